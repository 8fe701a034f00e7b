package credentials

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/zalando/go-keyring"

	"github.com/cachelink/cachelink/internal/clierr"
)

// Keychain layout.
//
// A record whose JSON fits in maxValue bytes is one item: user
// "<provider>:<profile>", value the JSON (it starts with '{').
//
// A bigger one (a JWT access token easily is) is split: chunks are written
// first as users "<provider>:<profile>#1".."#n", then the header item
// "<provider>:<profile>" whose value is chunkMarker followed by
// {"chunks":n,"sha256":"<hex of the whole JSON>"}. Writing the header last
// means a reader sees either the old header or the new one; a header whose
// chunks were overwritten half-way fails the hash check and gives ErrCorrupt,
// never a wrong token. Chunks left over from a longer record are deleted
// after the new header is written.
const (
	// maxValue keeps every value below Windows' 2560-byte limit and macOS's
	// ~3000 bytes for service+user+password once go-keyring has encoded it.
	maxValue = 2000
	// minValue is the smallest chunk size tried when a keychain still says
	// ErrSetDataTooBig.
	minValue = 250
	// maxChunks bounds what a (possibly corrupt) header can ask us to read.
	maxChunks = 256
	// chunkMarker starts a header value; a plain record starts with '{'.
	chunkMarker = "cachelink-chunked:"
)

type chunkHeader struct {
	Chunks int    `json:"chunks"`
	SHA256 string `json:"sha256"`
}

// systemKeyring is the OS keychain through go-keyring.
type systemKeyring struct{}

func (systemKeyring) Get(service, user string) (string, error) {
	return keyring.Get(service, user)
}

func (systemKeyring) Set(service, user, password string) error {
	return keyring.Set(service, user, password)
}

func (systemKeyring) Delete(service, user string) error {
	return keyring.Delete(service, user)
}

// boundedKeyring puts a timeout around every call and turns errors into
// ErrNotFound or ErrKeyringUnavailable.
//
// A call that times out keeps running in its goroutine, which leaks until the
// keychain answers (possibly never, if an unlock prompt nobody sees is
// waiting). That is accepted: the process is a short-lived CLI, and go-keyring
// offers no way to cancel. After one timeout the keychain is considered down
// for the rest of the Store's life, so the next calls fail at once instead of
// each waiting (and leaking) again.
type boundedKeyring struct {
	kr      Keyring
	timeout time.Duration

	mu   sync.Mutex
	down error
}

type keyringResult struct {
	v   string
	err error
}

func (b *boundedKeyring) call(fn func() (string, error)) (string, error) {
	b.mu.Lock()
	down := b.down
	b.mu.Unlock()
	if down != nil {
		return "", down
	}
	ch := make(chan keyringResult, 1) // buffered: a late answer must not block the goroutine
	go func() {
		v, err := fn()
		ch <- keyringResult{v, err}
	}()
	timer := time.NewTimer(b.timeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		switch {
		case r.err == nil:
			return r.v, nil
		case errors.Is(r.err, keyring.ErrNotFound):
			return "", ErrNotFound
		case errors.Is(r.err, keyring.ErrSetDataTooBig):
			return "", fmt.Errorf("the keychain refused the value as too big: %w", r.err)
		default:
			return "", keyringUnavailable(r.err)
		}
	case <-timer.C:
		err := keyringUnavailable(fmt.Errorf("the keychain did not answer within %s (is it locked and waiting for an unlock prompt?)", b.timeout))
		b.mu.Lock()
		b.down = err
		b.mu.Unlock()
		return "", err
	}
}

func keyringUnavailable(cause error) error {
	return clierr.Hinted(fmt.Errorf("%w: %w", ErrKeyringUnavailable, cause),
		"Set CACHELINK_TOKEN_STORE=file to keep credentials in a 0600 file instead.")
}

func (b *boundedKeyring) get(user string) (string, error) {
	return b.call(func() (string, error) { return b.kr.Get(Service, user) })
}

func (b *boundedKeyring) set(user, value string) error {
	_, err := b.call(func() (string, error) { return "", b.kr.Set(Service, user, value) })
	return err
}

func (b *boundedKeyring) del(user string) error {
	_, err := b.call(func() (string, error) { return "", b.kr.Delete(Service, user) })
	return err
}

func chunkUser(key string, i int) string { return key + "#" + strconv.Itoa(i) }

// keyringGet reads and reassembles the record stored under key. A chunked
// record read while another process rewrites it fails its hash check
// (new chunks under the old header); that read is tried again a few
// times, since the writer replaces the header last.
func (s *Store) keyringGet(key string) (*Record, error) {
	var r *Record
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		if r, err = s.keyringGetOnce(key); !errors.Is(err, errTorn) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 25 * time.Millisecond)
	}
	if errors.Is(err, errTorn) {
		return nil, clierr.Hinted(fmt.Errorf("%w: the chunks of keychain item %s do not match their hash (an interrupted write?)", ErrCorrupt, key), corruptFix(key))
	}
	return r, err
}

// errTorn: chunks and header of a chunked item do not match (yet).
var errTorn = errors.New("torn chunked read")

func (s *Store) keyringGetOnce(key string) (*Record, error) {
	v, err := s.kr.get(key)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w for %s in the keychain", ErrNotFound, key)
	}
	if err != nil {
		return nil, err
	}
	data := v
	if h, ok, err := parseHeader(v); ok {
		if err != nil {
			return nil, clierr.Hinted(fmt.Errorf("%w: keychain item %s: %v", ErrCorrupt, key, err), corruptFix(key))
		}
		var b strings.Builder
		for i := 1; i <= h.Chunks; i++ {
			c, err := s.kr.get(chunkUser(key, i))
			if errors.Is(err, ErrNotFound) {
				return nil, clierr.Hinted(fmt.Errorf("%w: keychain item %s misses chunk %d of %d", ErrCorrupt, key, i, h.Chunks), corruptFix(key))
			}
			if err != nil {
				return nil, err
			}
			b.WriteString(c)
		}
		data = b.String()
		sum := sha256.Sum256([]byte(data))
		if hex.EncodeToString(sum[:]) != h.SHA256 {
			return nil, errTorn
		}
	}
	return decodeRecord(key, []byte(data))
}

// parseHeader reports whether v is a chunk header (ok) and whether it is
// a valid one (err).
func parseHeader(v string) (chunkHeader, bool, error) {
	rest, ok := strings.CutPrefix(v, chunkMarker)
	if !ok {
		return chunkHeader{}, false, nil
	}
	var h chunkHeader
	if err := json.Unmarshal([]byte(rest), &h); err != nil {
		return h, true, fmt.Errorf("invalid chunk header: %v", err)
	}
	if h.Chunks < 1 || h.Chunks > maxChunks || len(h.SHA256) != 2*sha256.Size {
		return h, true, errors.New("invalid chunk header")
	}
	return h, true, nil
}

func decodeRecord(key string, data []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		// Not %v of the JSON error: its text could quote part of a token.
		return nil, clierr.Hinted(fmt.Errorf("%w: %s is not a valid record", ErrCorrupt, key), corruptFix(key))
	}
	if r.key() != key {
		return nil, fmt.Errorf("%w: %s holds the record of %s", ErrCorrupt, key, r.key())
	}
	return &r, nil
}

// keyringPut writes r, in chunks when needed. When the keychain still says
// the value is too big, it tries again with smaller chunks.
func (s *Store) keyringPut(r *Record) error {
	key := r.key()
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	// How many chunks the current item has, to delete the extra ones.
	old := 0
	v, err := s.kr.get(key)
	switch {
	case err == nil:
		if h, ok, herr := parseHeader(v); ok && herr == nil {
			old = h.Chunks
		}
	case !errors.Is(err, ErrNotFound):
		return err
	}
	size := maxValue
	for {
		n, err := s.putChunks(key, data, size)
		if err == nil {
			// Drop chunks beyond the new count, including those of a failed
			// attempt with bigger chunks. Best effort: a leftover chunk is
			// never read, because the header names the count.
			for i := n + 1; i <= old; i++ {
				if err := s.kr.del(chunkUser(key, i)); err != nil && !errors.Is(err, ErrNotFound) {
					break
				}
			}
			return nil
		}
		old = max(old, n)
		if !errors.Is(err, keyring.ErrSetDataTooBig) || size/2 < minValue {
			return err
		}
		size /= 2
	}
}

// putChunks writes data under key, split into chunks of at most size bytes
// when bigger, and returns how many chunk items it wrote.
func (s *Store) putChunks(key string, data []byte, size int) (int, error) {
	if len(data) <= size {
		return 0, s.kr.set(key, string(data))
	}
	chunks := split(data, size)
	for i, c := range chunks {
		if err := s.kr.set(chunkUser(key, i+1), c); err != nil {
			return i + 1, err // chunk i+1 may have been written partly
		}
	}
	sum := sha256.Sum256(data)
	h, _ := json.Marshal(chunkHeader{Chunks: len(chunks), SHA256: hex.EncodeToString(sum[:])})
	return len(chunks), s.kr.set(key, chunkMarker+string(h))
}

// split cuts data into pieces of at most size bytes, never inside a UTF-8
// sequence (keychain backends store strings).
func split(data []byte, size int) []string {
	var out []string
	for len(data) > 0 {
		n := min(size, len(data))
		if n < len(data) {
			for n > 0 && !utf8.RuneStart(data[n]) {
				n--
			}
			if n == 0 {
				n = min(size, len(data))
			}
		}
		out = append(out, string(data[:n]))
		data = data[n:]
	}
	return out
}

// keyringDelete removes the item of key and all its chunks, including
// chunks orphaned by an interrupted write.
func (s *Store) keyringDelete(key string) error {
	v, err := s.kr.get(key)
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%w for %s in the keychain", ErrNotFound, key)
	}
	if err != nil {
		return err
	}
	n := 0
	if h, ok, herr := parseHeader(v); ok && herr == nil {
		n = h.Chunks
	}
	if err := s.kr.del(key); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	for i := 1; i <= maxChunks; i++ {
		err := s.kr.del(chunkUser(key, i))
		if errors.Is(err, ErrNotFound) && i > n {
			break
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("removed %s from the keychain but not its chunk %d: %w", key, i, err)
		}
	}
	return nil
}

// corruptFix is what to do about the unreadable keychain item key
// ("<provider>:<profile>"): forget it, then log in again.
func corruptFix(key string) string {
	provider, profile, _ := strings.Cut(key, ":")
	return fmt.Sprintf("Run '%s', then '%s'.", disconnectCommand(provider, profile), connectCommand(provider, profile))
}
