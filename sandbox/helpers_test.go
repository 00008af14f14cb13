package sandbox_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/cocos-go/cocos/sandbox"
)

var (
	sharedExec    *sandbox.Executor
	sharedExecErr error
	sharedOnce    sync.Once
)

// executor returns one executor shared by the package's tests; starting
// sandboxes is cheap, but not free.
func executor(t testing.TB) *sandbox.Executor {
	t.Helper()
	sharedOnce.Do(func() { sharedExec, sharedExecErr = sandbox.New(sandbox.Config{}) })
	if sharedExecErr != nil {
		t.Fatalf("sandbox.New: %v", sharedExecErr)
	}
	return sharedExec
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedExec != nil {
		sharedExec.Close()
	}
	os.Exit(code)
}

func run(t testing.TB, job sandbox.Job) sandbox.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := executor(t).Run(ctx, job)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r
}
