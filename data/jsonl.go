package data

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// readJSONL decodes every non-empty line of a JSON-lines file with fn.
// Errors name the file and line.
func readJSONL(path string, fn func(line int, raw []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		if err := fn(n, raw); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// decodeStrict unmarshals raw into v and reports the first required field
// that is missing, by its JSON name.
func decodeStrict(raw []byte, v any, required ...string) error {
	if err := json.Unmarshal(raw, v); err != nil {
		if te, ok := err.(*json.UnmarshalTypeError); ok {
			return fmt.Errorf("field %q: want %s, got JSON %s", te.Field, te.Type, te.Value)
		}
		return fmt.Errorf("malformed JSON: %w", err)
	}
	var present map[string]json.RawMessage
	json.Unmarshal(raw, &present)
	for _, f := range required {
		if _, ok := present[f]; !ok {
			return fmt.Errorf("field %q is missing", f)
		}
	}
	return nil
}
