package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/evaluator/flagd"
	"github.com/switchyardhq/switchyard/signing"
)

// cacheFile is the on-disk form of the last good ruleset.
type cacheFile struct {
	TenantID    string `json:"tenantId"`
	Environment string `json:"environment"`
	ETag        string `json:"etag"`
	SHA256      string `json:"sha256"` // of Ruleset
	// Ruleset is the body exactly as the service sent it, a signed
	// envelope included, so a restart verifies it again (base64 in the
	// file: a json.RawMessage would be re-compacted and fail the hash and
	// the signature).
	Ruleset []byte `json:"ruleset"`
}

// cachePath names the cache file after the tenant and environment, so two
// configurations sharing a directory never read each other's file.
func (s *RemoteSource) cachePath() string {
	sum := sha256.Sum256([]byte(s.client.TenantID() + "\x00" + s.client.Environment()))
	return filepath.Join(s.cfg.CacheDir, "switchyard-"+hex.EncodeToString(sum[:8])+".json")
}

// writeCache stores a validated document atomically with mode 0600.
// Failures are logged: the cache is an optimisation.
func (r *remoteRun) writeCache(data []byte, etag string) {
	s := r.s
	if s.cfg.CacheDir == "" {
		return
	}
	sum := sha256.Sum256(data)
	out, err := json.Marshal(cacheFile{
		TenantID: s.client.TenantID(), Environment: s.client.Environment(),
		ETag: etag, SHA256: hex.EncodeToString(sum[:]), Ruleset: data,
	})
	if err == nil {
		err = writeAtomic(s.cachePath(), out)
	}
	if err != nil {
		r.log.Warn("switchyard: could not write the ruleset cache", "error", err)
	}
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".switchyard-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// readCache returns the cached ruleset if it exists, is intact, passes
// keys, and belongs to this tenant and environment.
func (s *RemoteSource) readCache(keys *signing.Keys) (*evaluator.Evaluator, string, error) {
	raw, err := os.ReadFile(s.cachePath())
	if err != nil {
		return nil, "", err
	}
	var c cacheFile
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, "", fmt.Errorf("cache file is corrupt: %w", err)
	}
	if c.TenantID != s.client.TenantID() || c.Environment != s.client.Environment() {
		return nil, "", errors.New("cache file belongs to another tenant or environment")
	}
	sum := sha256.Sum256(c.Ruleset)
	if hex.EncodeToString(sum[:]) != c.SHA256 {
		return nil, "", errors.New("cache file fails its SHA-256 check")
	}
	ev, _, _, err := openDocument(c.Ruleset, keys, FormatRuleset, flagd.Options{})
	if err != nil {
		return nil, "", err
	}
	if err := s.checkOwner(ev, true); err != nil {
		return nil, "", err
	}
	return ev, c.ETag, nil
}

// startFromCacheOrBootstrap serves the cached ruleset, else the bootstrap
// one, before the first fetch. The cached ETag is not reused: the first
// fetch is unconditional so the service confirms the ruleset.
func (r *remoteRun) startFromCacheOrBootstrap() {
	s := r.s
	if s.cfg.CacheDir != "" {
		ev, _, err := s.readCache(r.keys)
		switch {
		case err == nil:
			r.log.Info("switchyard: serving the cached ruleset until the service answers", "rulesetVersion", ev.Version())
			r.deliverLocal(ev)
			return
		case errors.As(err, new(*signing.Error)):
			// The provider logs it, and Provider.LastError and Init's
			// timeout message name the key id and the reason.
			r.sink.Error(fmt.Errorf("provider: ruleset cache refused: %w", err))
		case !errors.Is(err, os.ErrNotExist):
			r.log.Warn("switchyard: ignoring the ruleset cache", "error", err)
		}
	}
	if s.bootstrap != nil {
		ev, _, _, err := openDocument(s.bootstrap, r.keys, FormatRuleset, flagd.Options{})
		if err != nil { // a signature check: the document passed NewRemoteSource
			r.sink.Error(fmt.Errorf("provider: RemoteConfig bootstrap ruleset refused: %w", err))
			return
		}
		r.log.Info("switchyard: serving the bootstrap ruleset until the service answers", "rulesetVersion", ev.Version())
		r.deliverLocal(ev)
	}
}

func (r *remoteRun) deliverLocal(ev *evaluator.Evaluator) {
	r.mu.Lock()
	r.served, r.version = true, ev.Version()
	r.mu.Unlock()
	r.sink.Update(ev)
}
