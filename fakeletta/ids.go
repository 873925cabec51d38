package fakeletta

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"
)

// Fixed actor of a self-hosted Letta server without users (the "default user").
const (
	defaultUserID = "user-00000000-0000-4000-8000-000000000000"
	defaultOrgID  = "org-00000000-0000-4000-8000-000000000000"
)

// newUUID returns a random RFC 4122 version-4 UUID in its canonical text form.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newID returns "<prefix>-<uuid4>", the id format of every Letta primitive.
func newID(prefix string) string { return prefix + "-" + newUUID() }

// otidFromID reproduces Letta's Message.generate_otid_from_id: the uuid of a
// message id with its last 7 bits replaced by index.
func otidFromID(messageID string, index int) string {
	hexDigits := strings.ReplaceAll(strings.TrimPrefix(messageID, "message-"), "-", "")
	n, ok := new(big.Int).SetString(hexDigits, 16)
	if !ok {
		return messageID
	}
	n.AndNot(n, big.NewInt(0x7f))
	n.Or(n, big.NewInt(int64(index&0x7f)))
	s := fmt.Sprintf("%032x", n)
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// idPattern is the pattern NEW checks on path parameters such as agent_id.
func idPattern(primitive string) *regexp.Regexp {
	return regexp.MustCompile("^" + regexp.QuoteMeta(primitive) + `-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
}

var (
	agentIDPattern = idPattern("agent")
	toolIDPattern  = idPattern("tool")
)

// isoSeconds formats a time the way LettaMessage serialises its date
// (datetime.isoformat(timespec="seconds") on a UTC datetime).
func isoSeconds(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05") + "+00:00"
}

// isoMicros formats a time the way pydantic serialises datetimes of
// AgentState and Tool (microseconds, "Z" suffix when not zero).
func isoMicros(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000000Z")
}
