package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/mod/zip"
)

// writeProxy writes a file module proxy in dir that serves every published
// module of r at version, as release-mods would leave it.
func writeProxy(r *repo, version, dir string) error {
	if !semver.IsValid(version) || semver.Build(version) != "" {
		return fmt.Errorf("version %q is not a semantic version such as v0.1.0 or v0.1.0-ci.1", version)
	}
	for i := range r.modules {
		m := &r.modules[i]
		if !m.published() {
			continue
		}
		if err := writeModule(r, m, version, dir); err != nil {
			return fmt.Errorf("module %s: %w", m.path, err)
		}
	}
	return nil
}

// writeModule writes one module's list, .info, .mod and .zip files.
func writeModule(r *repo, m *modInfo, version, dir string) error {
	escPath, err := module.EscapePath(m.path)
	if err != nil {
		return err
	}
	escVersion, err := module.EscapeVersion(version)
	if err != nil {
		return err
	}
	vdir := filepath.Join(dir, filepath.FromSlash(escPath), "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return err
	}
	goMod, err := r.goMod(m, version, true)
	if err != nil {
		return err
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{version, time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(vdir, escVersion+".info"), info, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(vdir, escVersion+".mod"), goMod, 0o644); err != nil {
		return err
	}
	var files []zip.File
	for _, name := range r.filesOf(m) {
		full := filepath.Join(r.root, filepath.FromSlash(m.dir), filepath.FromSlash(name))
		if name == "go.mod" {
			files = append(files, memFile{name: name, data: goMod})
			continue
		}
		fi, err := os.Lstat(full)
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		files = append(files, diskFile{name: name, full: full, info: fi})
	}
	var buf bytes.Buffer
	if err := zip.Create(&buf, module.Version{Path: m.path, Version: version}, files); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(vdir, escVersion+".zip"), buf.Bytes(), 0o644); err != nil {
		return err
	}
	return appendList(filepath.Join(vdir, "list"), version)
}

// appendList adds version to a proxy's list file unless it is there.
func appendList(name, version string) error {
	old, err := os.ReadFile(name)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, line := range bytes.Split(old, []byte("\n")) {
		if string(line) == version {
			return nil
		}
	}
	return os.WriteFile(name, append(old, version+"\n"...), 0o644)
}

// diskFile is a file of the working tree, for zip.Create.
type diskFile struct {
	name, full string
	info       os.FileInfo
}

func (f diskFile) Path() string                 { return f.name }
func (f diskFile) Lstat() (os.FileInfo, error)  { return f.info, nil }
func (f diskFile) Open() (io.ReadCloser, error) { return os.Open(f.full) }

// memFile is a file whose contents the release rewrote, such as go.mod.
type memFile struct {
	name string
	data []byte
}

func (f memFile) Path() string                 { return f.name }
func (f memFile) Lstat() (os.FileInfo, error)  { return memInfo{f}, nil }
func (f memFile) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.data)), nil }

type memInfo struct{ f memFile }

func (i memInfo) Name() string       { return path.Base(i.f.name) }
func (i memInfo) Size() int64        { return int64(len(i.f.data)) }
func (i memInfo) Mode() os.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
