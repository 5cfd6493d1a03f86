package i18n

import (
	"strings"
	"testing"
)

// southOnly lists spellings used in the South but not in the northern norm
// that the DPRK and Korean speakers in China follow (조선말규범집), each
// with its northern form: the 두음법칙 (여권/려권), the 사이시옷 (횟수/회수),
// -어/-여 after ㅣ, ㅐ, ㅔ, ㅚ, ㅟ, ㅢ and the copula (되어/되여), single
// words (날짜/날자) and loanwords spelled otherwise (프로그램/프로그람). See
// ../shared/reference/korean-for-north-korean-readers.md.
var southOnly = []struct{ south, north string }{
	{"여권", "려권"}, {"날짜", "날자"}, {"이용", "리용"}, {"연락", "련락"},
	{"유형", "류형"}, {"유출", "류출"}, {"연간", "년간"}, {"연월일", "년월일"},
	{"연-월-일", "년-월-일"}, {"예:", "례:"}, {"예시", "례시"}, {"예외", "례외"},
	{"이유", "리유"}, {"이력", "리력"}, {"이해", "리해"}, {"요금", "료금"},
	{"노동", "로동"}, {"여자", "녀자"}, {"여성", "녀성"}, {"역사", "력사"},
	{"누적", "루적"}, {"누락", "루락"},
	{"횟수", "회수"}, {"숫자", "수자"}, {"뒷부분", "뒤부분"},
	{"되어", "되여"}, {"되었", "되였"}, {"띄어", "띄여"}, {"바뀌어", "바뀌여"},
	{"바뀌었", "바뀌였"}, {"이어야", "이여야"}, {"이었", "이였"},
	{"프로그램", "프로그람"}, {"컴퓨터", "콤퓨터"}, {"인터넷", "인터네트"},
	{"파일", "화일"}, {"휴대전화", "손전화"}, {"휴대폰", "손전화"},
}

// TestKoreanKPCoversSouthOnly: every Korean message with a South-only
// spelling has its own message in ko-KP, and no ko-KP message has one.
// South Korean spelling on the screen can put a reader from the DPRK at
// risk; a new Korean message that uses one needs a ko-KP text too.
func TestKoreanKPCoversSouthOnly(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	own := map[string]bool{}
	for _, k := range c.Overrides(KoreanKP) {
		own[k] = true
	}
	if len(own) == 0 {
		t.Fatal("ko-KP overrides nothing: is its catalogue loaded?")
	}
	for _, k := range c.Keys(Korean) {
		ko, _ := c.Message(Korean, k)
		for _, f := range southOnly {
			if strings.Contains(ko, f.south) && !own[k] {
				t.Errorf("ko %q has the South-only %q (%s in ko-KP), and ko-KP does not override it: %s", k, f.south, f.north, ko)
			}
		}
	}
	for _, k := range c.Keys(KoreanKP) {
		kp, _ := c.Message(KoreanKP, k)
		for _, f := range southOnly {
			if strings.Contains(kp, f.south) {
				t.Errorf("ko-KP %q has the South-only %q, not %q: %s", k, f.south, f.north, kp)
			}
		}
	}
}

// reworded lists the ko-KP messages a reviewer wrote in other words than
// the Korean, with the reason; every other ko-KP message is its Korean
// message with the South-only forms replaced, up to spacing, so that a
// change to the Korean cannot leave an outdated ko-KP text behind.
var reworded = map[string]string{}

// TestKoreanKPFollowsKorean: each ko-KP message is the Korean one in
// northern spelling (southOnly), spaces aside (bound nouns are written
// joined in the North: 할수 있다), unless it is listed in reworded. When
// this fails after a change to a Korean message, write the ko-KP message
// again from the new Korean.
func TestKoreanKPFollowsKorean(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	pairs := make([]string, 0, 2*len(southOnly))
	for _, f := range southOnly {
		pairs = append(pairs, f.south, f.north)
	}
	north := strings.NewReplacer(pairs...)
	squash := strings.NewReplacer(" ", "")
	for _, k := range c.Overrides(KoreanKP) {
		if _, ok := reworded[k]; ok {
			continue
		}
		ko, _ := c.Message(Korean, k)
		kp, _ := c.Message(KoreanKP, k)
		if want := north.Replace(ko); squash.Replace(kp) != squash.Replace(want) {
			t.Errorf("ko-KP %q does not follow the Korean: it says\n\t%s\nbut the Korean in northern spelling is\n\t%s\n(write it again, or list it in reworded)", k, kp, want)
		}
	}
}

// TestKoreanLoanwords: the Korean catalogue uses words readers from the
// North know, rather than English loanwords that have a native or
// Sino-Korean word (사증 not 비자, 내려받기 not 다운로드, 주소 not 링크).
// 비자 may appear only as the gloss 사증(비자).
func TestKoreanLoanwords(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	loan := []string{"다운로드", "업로드", "서버", "페이지", "링크", "로그인", "로그아웃", "로그 ", "로그에",
		"캘린더", "이메일", "메모", "버전", "온라인", "오프라인", "대시보드", "체크", "업데이트", "리마인더",
		"하이픈", "세션", "데이터", "앱", "코드", "메뉴", "버튼", "클릭"}
	for _, l := range []Lang{Korean, KoreanKP} {
		for _, k := range c.Keys(l) {
			m, _ := c.Message(l, k)
			for _, w := range loan {
				if strings.Contains(m, w) {
					t.Errorf("%s %q uses the loanword %q: %s", l, k, w, m)
				}
			}
			if strings.Contains(strings.ReplaceAll(m, "사증(비자)", ""), "비자") {
				t.Errorf("%s %q says 비자 other than as the gloss 사증(비자): %s", l, k, m)
			}
		}
	}
}
