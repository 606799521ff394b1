package evaluator

import (
	"bytes"
	"encoding/json"
)

// Position finds where path, in the dotted form of ValidationError.Path,
// is written in a document: the line and column (both from 1, columns in
// bytes) of the member's key, or of the array element. The empty path is
// the document itself, at 1:1. ok is false when the path is not in data
// or data is not well-formed JSON (a syntax error names its line and
// column in its message).
func Position(data []byte, path string) (line, column int, ok bool) {
	if path == "" {
		return 1, 1, true
	}
	w := &positionWalker{dec: json.NewDecoder(bytes.NewReader(data)), data: data, target: path, at: -1}
	w.dec.UseNumber()
	_ = w.value("") // a walk cut short by bad JSON leaves at unset
	if w.at < 0 {
		return 0, 0, false
	}
	before := data[:w.at]
	line = bytes.Count(before, []byte{'\n'}) + 1
	column = w.at - bytes.LastIndexByte(before, '\n')
	return line, column, true
}

type positionWalker struct {
	dec    *json.Decoder
	data   []byte
	target string
	at     int // offset found, or -1
}

// next is the offset where the next token starts.
func (w *positionWalker) next() int {
	off := int(w.dec.InputOffset())
	for off < len(w.data) {
		switch w.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (w *positionWalker) mark(path string, off int) {
	if w.at < 0 && path == w.target {
		w.at = off
	}
}

func (w *positionWalker) value(path string) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		for w.dec.More() {
			off := w.next()
			k, err := w.dec.Token()
			if err != nil {
				return err
			}
			key, _ := k.(string)
			p := pathKey(path, key)
			w.mark(p, off)
			if err := w.value(p); err != nil {
				return err
			}
		}
		_, err = w.dec.Token()
	case json.Delim('['):
		for i := 0; w.dec.More(); i++ {
			p := pathIndex(path, i)
			w.mark(p, w.next())
			if err := w.value(p); err != nil {
				return err
			}
		}
		_, err = w.dec.Token()
	}
	return err
}
