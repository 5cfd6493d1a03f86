package date

import (
	"testing"
	"time"
)

func TestParseRoundTrip(t *testing.T) {
	for _, s := range []string{"1600-01-01", "1970-01-01", "2000-02-29", "2024-12-31", "9000-12-31"} {
		d, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		if got := d.String(); got != s {
			t.Errorf("Parse(%q).String() = %q", s, got)
		}
	}
	if got := MustOf(1, time.January, 1); got != 1 {
		t.Errorf("0001-01-01 = day %d, want 1 (the zero Date means no date)", got)
	}
	if got := MustOf(9999, time.December, 31).AddDays(1).String(); got != "10000-01-01" {
		t.Errorf("the day after 9999-12-31 prints as %q, want the whole year", got)
	}
}

func TestParseRejects(t *testing.T) {
	for _, s := range []string{"", "2023-02-29", "2024-13-01", "2024-00-10", "2024-1-01", "24-01-01", "2024/01/01", "2024-01-01T00:00:00Z", "0000-01-01", "+024-01-01", "2024-04-31", "1599-12-31", "9001-01-01", "9999-12-31"} {
		if d, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", s, d)
		}
	}
}

// TestAgreesWithTime checks the day arithmetic against the standard library
// over four centuries, where time.Time's proleptic Gregorian calendar is the
// reference.
func TestAgreesWithTime(t *testing.T) {
	start := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	d := MustOf(1900, time.January, 1)
	for i := 0; i < 400*366; i++ {
		tm := start.AddDate(0, 0, i)
		y, m, dd := d.YMD()
		if y != tm.Year() || m != tm.Month() || dd != tm.Day() || d.Weekday() != tm.Weekday() {
			t.Fatalf("day %d: got %04d-%02d-%02d %v, want %s %v", i, y, m, dd, d.Weekday(), tm.Format(time.DateOnly), tm.Weekday())
		}
		d = d.AddDays(1)
	}
}

func TestMax(t *testing.T) {
	if Max != MustOf(MaxYear, time.December, 31) {
		t.Errorf("Max = %v", Max)
	}
}

func TestAddMonths(t *testing.T) {
	tests := []struct {
		from string
		n    int
		eom  EndOfMonth
		want string
	}{
		// The trap time.AddDate falls into: 31 Jan + 1 month is 3 Mar there.
		{"2025-01-31", 1, Clamp, "2025-02-28"},
		{"2024-01-31", 1, Clamp, "2024-02-29"},
		{"2025-01-31", 1, NextDay, "2025-03-01"},
		{"2024-01-31", 1, NextDay, "2024-03-01"},
		{"2025-01-30", 1, NextDay, "2025-03-01"},
		{"2025-01-28", 1, NextDay, "2025-02-28"},
		// Japanese Civil Code Art. 143 example as reported: 6 months from 10 Jan.
		{"2025-01-10", 6, Clamp, "2025-07-10"},
		{"2025-08-31", 6, Clamp, "2026-02-28"},
		{"2025-03-31", -1, Clamp, "2025-02-28"},
		{"2025-01-15", -13, Clamp, "2023-12-15"},
		{"2025-12-15", 1, Clamp, "2026-01-15"},
		{"2024-02-29", 12, Clamp, "2025-02-28"},
		{"2024-02-29", 12, NextDay, "2025-03-01"},
	}
	for _, tt := range tests {
		got := MustParse(tt.from).AddMonths(tt.n, tt.eom).String()
		if got != tt.want {
			t.Errorf("%s + %d months (%v) = %s, want %s", tt.from, tt.n, tt.eom, got, tt.want)
		}
	}
}

func TestText(t *testing.T) {
	var d Date
	if err := d.UnmarshalText([]byte("2026-11-26")); err != nil {
		t.Fatal(err)
	}
	b, _ := d.MarshalText()
	if string(b) != "2026-11-26" {
		t.Errorf("MarshalText = %q", b)
	}
	if err := d.UnmarshalText([]byte("26/11/2026")); err == nil {
		t.Error("UnmarshalText accepted 26/11/2026")
	}
	if Date(0).String() != "" {
		t.Error("zero Date should print empty")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"2024-02-29", "2023-02-29", "9999-12-31", "abcd-ef-gh", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		if d.String() != s {
			t.Fatalf("Parse(%q).String() = %q", s, d.String())
		}
	})
}
