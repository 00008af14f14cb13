package data

import (
	"fmt"
	"strings"
)

// MBPPSplit returns the split of an MBPP task id, by the MBPP authors'
// convention the paper uses: 1-10 prompt (few-shot), 11-510 test,
// 511-600 validation, 601-974 train.
func MBPPSplit(taskID int) string {
	switch {
	case taskID <= 10:
		return "prompt"
	case taskID <= 510:
		return "test"
	case taskID <= 600:
		return "validation"
	default:
		return "train"
	}
}

type mbppRecord struct {
	TaskID        int      `json:"task_id"`
	Text          string   `json:"text"`
	Prompt        string   `json:"prompt"` // sanitized MBPP names the text "prompt"
	Code          string   `json:"code"`
	TestList      []string `json:"test_list"`
	TestSetupCode string   `json:"test_setup_code"`
}

// LoadMBPP reads MBPP's mbpp.jsonl (or sanitized-mbpp.jsonl) into problems,
// split by task id. Windows line ends in the reference code become \n.
func LoadMBPP(path string) ([]Problem, error) {
	var out []Problem
	err := readJSONL(path, func(line int, raw []byte) error {
		var r mbppRecord
		if err := decodeStrict(raw, &r, "task_id", "code", "test_list"); err != nil {
			return err
		}
		text := r.Text
		if text == "" {
			text = r.Prompt
		}
		if text == "" {
			return fmt.Errorf(`field "text" is missing`)
		}
		if len(r.TestList) == 0 {
			return fmt.Errorf(`field "test_list" is empty`)
		}
		out = append(out, Problem{
			ID:        fmt.Sprintf("mbpp/%d", r.TaskID),
			Text:      text,
			Code:      normalizeNewlines(r.Code),
			Tests:     r.TestList,
			SetupCode: normalizeNewlines(r.TestSetupCode),
			Source:    "mbpp",
			Split:     MBPPSplit(r.TaskID),
		})
		return nil
	})
	return out, err
}

// normalizeNewlines turns \r\n and lone \r (both newlines to Python) into \n.
func normalizeNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}
