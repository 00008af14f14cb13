package serve

import "github.com/cocos-go/cocos/cocos/model"

// endpoint is what differs between /v1/completions and
// /v1/chat/completions: the shapes of their answers.
type endpoint interface {
	prefix() string      // of answer ids
	chunkObject() string // "object" of streamed chunks
	response(modelID, id string, created int64, rq request, gens []model.Generation) any
	first(index int) any // a streamed choice's opening chunk, or nil
	delta(index int, text string, finish *string) any
}

type completionAPI struct{}

func (completionAPI) prefix() string      { return "cmpl" }
func (completionAPI) chunkObject() string { return "text_completion" }
func (completionAPI) first(int) any       { return nil }

func (completionAPI) response(modelID, id string, created int64, rq request, gens []model.Generation) any {
	resp := CompletionResponse{ID: id, Object: "text_completion", Created: created, Model: modelID, Usage: usage(rq, gens)}
	for i, g := range gens {
		resp.Choices = append(resp.Choices, CompletionChoice{Index: i, Text: visible(g.Text, rq.stops), FinishReason: finishReason(g.Stop)})
	}
	return resp
}

func (completionAPI) delta(index int, text string, finish *string) any {
	return CompletionChunkChoice{Index: index, Text: text, FinishReason: finish}
}

type chatAPI struct{}

func (chatAPI) prefix() string      { return "chatcmpl" }
func (chatAPI) chunkObject() string { return "chat.completion.chunk" }

func (chatAPI) first(index int) any {
	return ChatChunkChoice{Index: index, Delta: ChatDelta{Role: "assistant"}}
}

func (chatAPI) response(modelID, id string, created int64, rq request, gens []model.Generation) any {
	resp := ChatResponse{ID: id, Object: "chat.completion", Created: created, Model: modelID, Usage: usage(rq, gens)}
	for i, g := range gens {
		resp.Choices = append(resp.Choices, ChatChoice{Index: i, FinishReason: finishReason(g.Stop),
			Message: ChatMessage{Role: "assistant", Content: visible(g.Text, rq.stops)}})
	}
	return resp
}

func (chatAPI) delta(index int, text string, finish *string) any {
	return ChatChunkChoice{Index: index, Delta: ChatDelta{Content: text}, FinishReason: finish}
}
