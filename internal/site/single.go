package site

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"

	"visaclock/internal/i18n"
)

// The single file is the checker as one HTML file that works opened from
// disk (file://), with no network: a browser refuses a page opened from a
// file both fetch (so the module cannot be loaded from beside it) and a
// service worker. Everything is inline: the styles, wasm_exec.js, app.js,
// and the module gzip-compressed in base64, which app.js decodes and
// compiles from bytes. Every language is in it, as a <template> the
// language links swap in, so that one file (and one checksum) serves a
// family whose members read different languages.

// singleLang is the language the file opens in when neither the address
// (#hl=…) nor the browser asks for another.
const singleLang = i18n.English

// moduleID is the element that carries the module; app.js looks for it.
const moduleID = "visaclock-module"

type singlePage struct {
	Lang    i18n.Lang
	Title   string
	Content template.HTML
}

type singleData struct {
	Lang      i18n.Lang
	Title     string
	CSP       string
	Style     template.CSS
	Icon      template.URL
	Live      template.HTML
	Pages     []singlePage
	Module    template.HTML // base64: nothing in it to escape, and a script element's text is not unescaped
	Exec, App template.JS
}

// Single returns the checker as one self-contained HTML file (see the
// comment above); it needs the module.
func (s *Site) Single() ([]byte, error) {
	if len(s.opts.Module.WASM) == 0 {
		return nil, ErrNoModule
	}
	style, app, icon := s.files["style.css"], s.files["app.js"], s.files["icon.svg"]
	exec := s.opts.Module.Exec
	// The inlined text is given to the template as trusted: make sure none
	// of it can end its element early.
	for _, c := range []struct {
		name string
		text []byte
		end  string
	}{{"style.css", style, "</style"}, {ExecFile, exec, "</script"}, {"app.js", app, "</script"}} {
		if bytes.Contains(bytes.ToLower(c.text), []byte(c.end)) {
			return nil, fmt.Errorf("site: %s contains %s and cannot be inlined", c.name, c.end)
		}
	}
	module, err := gzipModule(s.opts.Module.WASM)
	if err != nil {
		return nil, err
	}
	d := singleData{
		Lang:   singleLang,
		CSP:    SingleCSP(style, exec, app),
		Style:  template.CSS(style),
		Icon:   template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(icon)),
		Module: template.HTML(base64.StdEncoding.EncodeToString(module)),
		Exec:   template.JS(exec),
		App:    template.JS(app),
	}
	for _, l := range i18n.Choices {
		var b bytes.Buffer
		if err := s.page.ExecuteTemplate(&b, "content", s.data(l, nil, nil, nil, true)); err != nil {
			return nil, err
		}
		title := s.opts.Catalog.Printer(l).T("chk.title") + " · visaclock"
		if l == singleLang {
			d.Title, d.Live = title, template.HTML(b.String())
		}
		d.Pages = append(d.Pages, singlePage{Lang: l, Title: title, Content: template.HTML(b.String())})
	}
	t, err := template.ParseFS(assets, "assets/single.html")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// SingleCSP is the single file's content security policy: nothing may be
// loaded or sent anywhere (connect-src 'none', form-action 'none'); only
// its own inline style and scripts run, named by their hashes, and the
// module may be compiled.
func SingleCSP(style, exec, app []byte) string {
	hash := func(b []byte) string {
		sum := sha256.Sum256(b)
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	return "default-src 'none'; script-src " + hash(exec) + " " + hash(app) + " 'wasm-unsafe-eval'; style-src " + hash(style) +
		"; img-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'; object-src 'none'"
}

// gzipModule compresses the module as the page's DecompressionStream
// reads it. With no name and no time in the header the output depends
// only on the input, so the file is the same at every build.
func gzipModule(wasm []byte) ([]byte, error) {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(wasm); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// SingleModule returns the module carried by a single file, decoded and
// decompressed, as the page does: for tests and for a recipient's tools.
func SingleModule(file []byte) ([]byte, error) {
	open := []byte(`id="` + moduleID + `"`)
	i := bytes.Index(file, open)
	if i < 0 {
		return nil, fmt.Errorf("site: the file carries no module (no element %s)", moduleID)
	}
	rest := file[i:]
	start := bytes.IndexByte(rest, '>')
	end := bytes.Index(rest, []byte("</script>"))
	if start < 0 || end < start {
		return nil, fmt.Errorf("site: the module's element is not closed")
	}
	z, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(rest[start+1 : end])))
	if err != nil {
		return nil, fmt.Errorf("site: the module is not base64: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("site: the module is not gzip: %w", err)
	}
	var out bytes.Buffer
	// A module is a few megabytes; refuse what would not be one.
	const limit = 64 << 20
	n, err := out.ReadFrom(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, fmt.Errorf("site: the module: %w", err)
	}
	if n > limit {
		return nil, fmt.Errorf("site: the module is over %d bytes decompressed", limit)
	}
	return out.Bytes(), nil
}
