// Command release keeps the versions of the repository's modules together
// and builds a module proxy from the working tree, so that a release can be
// checked the way a user will fetch it before anything is tagged.
//
// Usage, from the repository root:
//
//	go run ./internal/release set-version VERSION   # every module requires its siblings at VERSION
//	go run ./internal/release release-mods VERSION  # as set-version, and command modules drop their replace directives
//	go run ./internal/release dev-mods              # command modules get their replace directives back
//	go run ./internal/release proxy VERSION DIR     # a file module proxy at VERSION in DIR (GOPROXY=file://DIR)
//	go run ./internal/release tags VERSION          # the tags to push: VERSION, boltstore/VERSION, ...
//	go run ./internal/release modules               # the published modules, one directory a line
//	go run ./internal/release commands              # the command modules among them
//	go run ./internal/release version               # the version the modules require each other at
//
// # Versions
//
// Every published module requires the root module and any sibling at one
// version, the release's. Library modules keep replace directives that
// point at their siblings' directories: they make go mod tidy work inside
// the repository and are ignored by every module that depends on them.
// A command module's replace directives would stop `go install
// PATH@VERSION`, so the release commit drops them (release-mods) and the
// commit after it restores them (dev-mods). Only the release commit lacks
// them: inside the workspace, a module that requires a sibling at a version
// without a replace directive makes the go command look that version up in
// the module proxy, which fails until the tags are pushed.
//
// Modules under internal/ are tools and tests of the repository: they are
// neither tagged nor served.
//
// # The proxy
//
// proxy writes, for each published module, the files a module proxy
// serves (list, .info, .mod and .zip) with the go.mod that release-mods
// would write, except that the version is the one given, so a test version
// such as v0.1.0-ci.1 leaves the module cache's copies of real releases
// alone. The zip holds the module's files that git tracks or would track
// (ignored files are left out) as they are in the working tree.
package main
