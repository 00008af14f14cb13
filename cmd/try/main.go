package main
import ("context";"fmt";"os";"time";"github.com/cocos-go/cocos/data";"github.com/cocos-go/cocos/sandbox")
func main(){
 ps, _ := data.LoadMBPP("../shared/data/mbpp/mbpp.jsonl")
 var jobs []sandbox.Job
 for _,p:=range ps { if p.ID=="mbpp/123" {continue}; jobs=append(jobs, sandbox.Job{Program:p.Code,Setup:p.SetupCode,Tests:p.Tests}) }
 e, err := sandbox.New(sandbox.Config{Workers:1, UnsafeNoIsolation: os.Getenv("UNSAFE")!=""}); if err!=nil {panic(err)}
 defer e.Close()
 t:=time.Now()
 for _, j := range jobs { e.Run(context.Background(), j) }
 fmt.Println("seq", time.Since(t), len(jobs), time.Since(t)/time.Duration(len(jobs)))
}
