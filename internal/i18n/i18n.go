// Package i18n is the web UI's message catalogue: English, Simplified
// Chinese and Korean, kept in JSON files a translator can edit
// (locales/LANG/*.json), with date formats among the messages. A key
// missing from a language is a test failure, not a runtime surprise.
//
// A variant, such as Korean in the northern norm (ko-KP), is an overlay:
// its files hold only the messages that differ from its base language,
// and every other key falls back to the base.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"visaclock/internal/date"
)

//go:embed locales
var locales embed.FS

// Lang is a language of the UI.
type Lang string

// The languages, English first: it is the fallback for requests that
// accept none of them.
const (
	English Lang = "en"
	Chinese Lang = "zh" // Simplified Chinese (zh-Hans)
	Korean  Lang = "ko"
	// KoreanKP is Korean as written in the DPRK and by Korean speakers in
	// China (조선말규범집: 려권, 날자, 되여): an overlay on Korean, for
	// readers to whom South Korean spelling is foreign or a risk.
	KoreanKP Lang = "ko-KP"
)

// Langs lists the languages with a full catalogue, every key in each, in
// the order the switcher shows them.
var Langs = []Lang{English, Chinese, Korean}

// Variants maps each variant to the language it overlays.
var Variants = map[Lang]Lang{KoreanKP: Korean}

// Choices lists every language a reader may choose, in the order the
// switcher shows them: each language followed by its variants.
var Choices = []Lang{English, Chinese, Korean, KoreanKP}

// regionVariants names the variant served to a language range with a
// region: Korean from the DPRK, and from China, where the Korean norm is
// the northern one.
var regionVariants = map[string]Lang{"ko-kp": KoreanKP, "ko-cn": KoreanKP}

// Catalog holds every language's messages.
type Catalog struct {
	msgs map[Lang]map[string]string // a variant's: its base's, overlaid
	own  map[Lang]map[string]string // a variant's own messages
}

// Load reads the embedded catalogue. Two files of one language defining
// the same key is an error.
func Load() (*Catalog, error) { return LoadFS(locales, "locales") }

// LoadFS reads a catalogue from dir in fsys: one directory per language,
// any number of JSON objects of key → message in each. A variant's
// directory (dir/ko-KP) holds only its differences, and may be absent.
func LoadFS(fsys fs.FS, dir string) (*Catalog, error) {
	c := &Catalog{msgs: map[Lang]map[string]string{}, own: map[Lang]map[string]string{}}
	for _, l := range Choices {
		m, err := loadLang(fsys, dir, l)
		if err != nil {
			return nil, err
		}
		base, variant := Variants[l]
		if !variant {
			if len(m) == 0 {
				return nil, fmt.Errorf("i18n: no messages for %s", l)
			}
			c.msgs[l] = m
			continue
		}
		c.own[l] = m
		merged := make(map[string]string, len(c.msgs[base]))
		for k, v := range c.msgs[base] {
			merged[k] = v
		}
		for k, v := range m {
			merged[k] = v
		}
		c.msgs[l] = merged
	}
	return c, nil
}

// loadLang reads the messages of one directory.
func loadLang(fsys fs.FS, dir string, l Lang) (map[string]string, error) {
	m := map[string]string{}
	files, err := fs.Glob(fsys, path.Join(dir, string(l), "*.json"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var part map[string]string
		if err := json.Unmarshal(b, &part); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
		for k, v := range part {
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("i18n: %s: key %q is defined twice for %s", f, k, l)
			}
			m[k] = v
		}
	}
	return m, nil
}

// Keys lists the keys of a language, sorted; a variant's include those it
// takes from its base.
func (c *Catalog) Keys(l Lang) []string { return sortedKeys(c.msgs[l]) }

// Overrides lists the keys a variant's own files define, sorted: none for
// a language that is not a variant.
func (c *Catalog) Overrides(l Lang) []string { return sortedKeys(c.own[l]) }

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Message returns the raw message of key in l, and whether there is one;
// a variant's falls back to its base.
func (c *Catalog) Message(l Lang, key string) (string, bool) {
	m, ok := c.msgs[l][key]
	return m, ok
}

// Printer renders one language's messages.
type Printer struct {
	Lang Lang
	m    map[string]string
}

// Printer returns the printer of l (English for an unknown language).
func (c *Catalog) Printer(l Lang) *Printer {
	m, ok := c.msgs[l]
	if !ok {
		l, m = English, c.msgs[English]
	}
	return &Printer{Lang: l, m: m}
}

var placeholder = regexp.MustCompile(`\{[a-z0-9_]+\}`)

// Placeholders lists the {names} a message uses, sorted and unique.
func Placeholders(msg string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range placeholder.FindAllString(msg, -1) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// T renders key with args given as name, value pairs: T("days_left", "n",
// 3) fills {n}. A missing key renders as [key], so that it shows on the
// page and in the tests rather than vanishing.
func (p *Printer) T(key string, args ...any) string {
	msg, ok := p.m[key]
	if !ok {
		return "[" + key + "]"
	}
	if len(args) == 0 {
		return msg
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(msg)
}

// N renders a message with a count, choosing key.one for 1 and key.other
// otherwise (English needs both; Chinese and Korean use the same text).
func (p *Printer) N(key string, n int, args ...any) string {
	form := key + ".other"
	if n == 1 {
		form = key + ".one"
	}
	return p.T(form, append([]any{"n", n}, args...)...)
}

// Date renders d in the language's date format ("7 Sep 2026",
// "2026年9月7日", "2026년 9월 7일"); the empty string for no date.
func (p *Printer) Date(d date.Date) string {
	if d == 0 {
		return ""
	}
	y, m, day := d.YMD()
	return p.T("format.date", "y", y, "m", int(m), "d", day, "mon", p.T("month."+strconv.Itoa(int(m))))
}

// Month renders a month and year, for timeline ticks.
func (p *Printer) Month(y int, m time.Month) string {
	return p.T("format.month", "y", y, "m", int(m), "mon", p.T("month."+strconv.Itoa(int(m))))
}

// Match picks the language for an Accept-Language header value: the
// highest-weighted range that names one of ours, English otherwise.
// "zh", "zh-CN", "zh-Hans" and "zh-SG" are Simplified Chinese; a request
// for "zh-TW" or "zh-Hant" also gets it, as the nearest we have. "ko-KP"
// and "ko-CN" (also with a script, "ko-Kore-KP") get the northern Korean
// variant; any other Korean range gets Korean.
func Match(accept string) Lang {
	best, bestQ := English, -1.0
	for i, part := range strings.Split(accept, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		subtags := strings.Split(strings.ToLower(strings.TrimSpace(tag)), "-")
		l, ok := Lang(subtags[0]), false
		for _, x := range Langs {
			ok = ok || x == l
		}
		if v, found := regionVariants[subtags[0]+"-"+region(subtags[1:])]; ok && found {
			l = v
		}
		// An earlier range wins a tie: it is the client's stated order.
		if ok && q > 0 && q > bestQ {
			best, bestQ = l, q
		}
		_ = i
	}
	return best
}

// region is the region subtag among the subtags after the language, ""
// if there is none: the first of two letters or three digits, after an
// optional script of four letters.
func region(subtags []string) string {
	if len(subtags) > 0 && len(subtags[0]) == 4 {
		subtags = subtags[1:]
	}
	if len(subtags) > 0 && (len(subtags[0]) == 2 || len(subtags[0]) == 3 && strings.Trim(subtags[0], "0123456789") == "") {
		return subtags[0]
	}
	return ""
}

// Parse returns the language named s, if it is one of ours (a variant
// included); case does not matter ("ko-kp").
func Parse(s string) (Lang, bool) {
	for _, l := range Choices {
		if strings.EqualFold(string(l), s) {
			return l, true
		}
	}
	return "", false
}
