package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/switchyardhq/switchyard/signing"
)

// keyFiles is a repeatable -key flag naming public key files.
type keyFiles []string

func (k *keyFiles) String() string { return strings.Join(*k, ",") }
func (k *keyFiles) Set(v string) error {
	*k = append(*k, v)
	return nil
}

// trustedKeys reads the public key files (each may hold several keys);
// none given is a nil set.
func trustedKeys(files keyFiles) (*signing.Keys, error) {
	if len(files) == 0 {
		return nil, nil
	}
	var all []signing.PublicKey
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		keys, err := signing.ParsePublicKeys(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		all = append(all, keys...)
	}
	return signing.NewKeys(all...)
}

// openFile returns the document in data. A plain document is returned as
// it is unless keys are given (then it must be signed, as for a provider
// with trusted keys). An envelope is verified with keys, and refused
// without: as a provider refuses an envelope whose key it does not know
// (SPEC 9), so that a script checking the exit status is never told a
// tampered file is valid. note is unused (kept for callers).
func openFile(name string, data []byte, keys *signing.Keys) (doc []byte, note string, err error) {
	if keys != nil {
		doc, _, err = signing.Open(data, keys)
		return doc, "", err
	}
	if !signing.IsEnvelope(data) {
		return data, "", nil
	}
	env, err := signing.Parse(data)
	if err != nil {
		return nil, "", err
	}
	return nil, "", fmt.Errorf("a signed envelope (key id %q) whose signature is not checked without a key: add -key KEY.pub (switchyard verify -key KEY.pub %s checks the signature alone)", env.KeyID, name)
}

// unverifiedDocument returns the document of data, an envelope's without
// checking its signature (note says so), for diff, which compares what two
// files say and vouches for neither.
func unverifiedDocument(name string, data []byte) (doc []byte, note string, err error) {
	if !signing.IsEnvelope(data) {
		return data, "", nil
	}
	env, err := signing.Parse(data)
	if err != nil {
		return nil, "", err
	}
	return env.Document, fmt.Sprintf("%s is a signed envelope (key id %q); its signature was not checked: diff compares documents (switchyard verify checks signatures)", name, env.KeyID), nil
}

func runKeygen(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("keygen", "-id KEYID [-out PREFIX]",
		"Keygen makes an Ed25519 key pair for signing rulesets: PREFIX.key, the\n"+
			"private key (mode 0600: keep it secret, on the machine that publishes\n"+
			"rulesets), and PREFIX.pub, the public key that providers trust. Each\n"+
			"file is one line \"ed25519-private|ed25519-public KEYID BASE64URL\".\n"+
			"Existing files are never overwritten.", stdout, stderr)
	id := fs.String("id", "", "key `id` written into every envelope it signs, such as 2026-12 (required)")
	out := fs.String("out", "", "file name `prefix` (default: the key id)")
	if done, status := parseFlags(fs, args); done {
		return status
	}
	if *id == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "switchyard keygen: give the key id and nothing else, for example: switchyard keygen -id 2026-12")
		return exitUsage
	}
	if *out == "" {
		*out = *id
	}
	key, err := signing.GenerateKey(*id, nil)
	if err != nil {
		fmt.Fprintf(stderr, "switchyard keygen: %v\n", err)
		return exitUsage
	}
	priv, err := signing.MarshalPrivateKey(key)
	if err == nil {
		var pub []byte
		if pub, err = signing.MarshalPublicKey(key.Public()); err == nil {
			if err = writeNew(*out+".key", priv, 0o600); err == nil {
				if err = writeNew(*out+".pub", pub, 0o644); err != nil {
					os.Remove(*out + ".key")
				}
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "switchyard keygen: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "wrote %s.key (private: keep it secret) and %s.pub (public: give it to providers) for key id %q\n", *out, *out, *id)
	return exitOK
}

// writeNew writes a file that must not exist yet.
func writeNew(name string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists: choose another -out prefix or remove the file", name)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func runSign(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sign", "-key PRIVATE.key [-o OUT] FILE",
		"Sign wraps a ruleset (or flagd) document in a signed envelope\n"+
			"{\"signed\": {\"algorithm\", \"keyId\", \"signature\", \"document\"}} and writes it\n"+
			"to standard output or -o. The document is embedded byte for byte and\n"+
			"validated first: an invalid ruleset is not signed.", stdout, stderr)
	keyFile := fs.String("key", "", "private key `file` from 'switchyard keygen' (required)")
	out := fs.String("o", "", "write the envelope to `file` instead of standard output")
	if done, status := parseFlags(fs, args); done {
		return status
	}
	if *keyFile == "" || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "switchyard sign: give a private key and one document, for example: switchyard sign -key 2026-12.key flags.json > flags.signed.json")
		return exitUsage
	}
	name := fs.Arg(0)
	keyData, err := os.ReadFile(*keyFile)
	if err != nil {
		fmt.Fprintf(stderr, "switchyard sign: %v\n", err)
		return exitFail
	}
	key, err := signing.ParsePrivateKey(keyData)
	if err != nil {
		fmt.Fprintf(stderr, "switchyard sign: %s: %v\n", *keyFile, err)
		return exitFail
	}
	data, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintf(stderr, "switchyard sign: %v\n", err)
		return exitFail
	}
	if signing.IsEnvelope(data) {
		fmt.Fprintf(stderr, "switchyard sign: %s is already a signed envelope: sign the document itself\n", name)
		return exitFail
	}
	if _, err := loadDocument(data); err != nil {
		fmt.Fprintf(stderr, "switchyard sign: %s is not a valid ruleset, not signed (run 'switchyard validate %s' for every problem):\n%v\n", name, name, err)
		return exitFail
	}
	env, err := signing.Sign(data, key)
	if err != nil {
		fmt.Fprintf(stderr, "switchyard sign: %s: %v\n", name, err)
		return exitFail
	}
	if *out == "" {
		_, err = stdout.Write(env)
	} else {
		err = os.WriteFile(*out, env, 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "switchyard sign: %v\n", err)
		return exitFail
	}
	return exitOK
}

func runVerify(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("verify", "-key PUBLIC.pub [-key OTHER.pub] FILE...",
		"Verify checks signed envelopes against the trusted public keys, as a\n"+
			"provider with those keys would: each FILE must be an envelope signed by\n"+
			"one of them, over exactly the document it holds. It prints FILE: verified\n"+
			"(key id K) or the reason, and exits 1 if any file fails.", stdout, stderr)
	var keyList keyFiles
	fs.Var(&keyList, "key", "public key `file` (repeatable; a file may hold several keys, for a rotation)")
	if done, status := parseFlags(fs, args); done {
		return status
	}
	if len(keyList) == 0 || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "switchyard verify: give the trusted public keys and the envelopes, for example: switchyard verify -key 2026-12.pub flags.signed.json")
		return exitUsage
	}
	keys, err := trustedKeys(keyList)
	if err != nil {
		fmt.Fprintf(stderr, "switchyard verify: %v\n", err)
		return exitFail
	}
	status := exitOK
	for _, name := range fs.Args() {
		data, err := os.ReadFile(name)
		if err == nil {
			var keyID string
			var doc []byte
			if doc, keyID, err = signing.Verify(data, keys); err == nil {
				if _, err = loadDocument(doc); err == nil {
					fmt.Fprintf(stdout, "%s: verified (key id %q)\n", name, keyID)
					continue
				}
				err = fmt.Errorf("the signature verifies (key id %q) but the document is not a valid ruleset (run 'switchyard validate -key … %s'): %w", keyID, name, err)
			}
		}
		status = exitFail
		fmt.Fprintf(stdout, "%s: %v\n", name, err)
	}
	return status
}

// docOffset is the line and column (1-based) where doc starts in data.
func docOffset(data, doc []byte) (line, col int) {
	start := bytes.Index(data, doc)
	if start < 0 {
		return 1, 1
	}
	before := data[:start]
	line = bytes.Count(before, []byte("\n")) + 1
	col = start - bytes.LastIndexByte(before, '\n')
	return line, col
}
