// Package i18n is the web UI's message catalogue: English, Simplified
// Chinese and Korean, kept in JSON files a translator can edit
// (locales/LANG/*.json), with date formats among the messages. A key
// missing from a language is a test failure, not a runtime surprise.
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
)

// Langs lists the languages in the order the switcher shows them.
var Langs = []Lang{English, Chinese, Korean}

// Catalog holds every language's messages.
type Catalog struct {
	msgs map[Lang]map[string]string
}

// Load reads the embedded catalogue. Two files of one language defining
// the same key is an error.
func Load() (*Catalog, error) { return LoadFS(locales, "locales") }

// LoadFS reads a catalogue from dir in fsys: one directory per language,
// any number of JSON objects of key → message in each.
func LoadFS(fsys fs.FS, dir string) (*Catalog, error) {
	c := &Catalog{msgs: map[Lang]map[string]string{}}
	for _, l := range Langs {
		m := map[string]string{}
		files, err := fs.Glob(fsys, path.Join(dir, string(l), "*.json"))
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("i18n: no messages for %s", l)
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
		c.msgs[l] = m
	}
	return c, nil
}

// Keys lists the keys of a language, sorted.
func (c *Catalog) Keys(l Lang) []string {
	keys := make([]string, 0, len(c.msgs[l]))
	for k := range c.msgs[l] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Message returns the raw message of key in l, and whether there is one.
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
// for "zh-TW" or "zh-Hant" also gets it, as the nearest we have.
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
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		l, ok := Lang(primary), false
		for _, x := range Langs {
			ok = ok || x == l
		}
		// An earlier range wins a tie: it is the client's stated order.
		if ok && q > 0 && q > bestQ {
			best, bestQ = l, q
		}
		_ = i
	}
	return best
}

// Parse returns the language named s, if it is one of ours.
func Parse(s string) (Lang, bool) {
	for _, l := range Langs {
		if string(l) == s {
			return l, true
		}
	}
	return "", false
}
