package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
)

// Deployment is an application's entity: a version of a service deployed
// in a workspace.
type Deployment struct {
	ID      string `json:"id"`
	Service string `json:"service"`
	Version string `json:"version"`
}

func (d Deployment) CompactionKey() (kind, id string) { return "deployment", d.ID }

// ErrNoDeployment is DeploymentStore's "not found".
var ErrNoDeployment = errors.New("no such deployment")

// DeploymentStore is a domain store: typed methods over any
// unionstore.Store[Deployment], one namespace per workspace. Get is a
// point read when the store has them (a union, a bolt file and a Memory
// all do); List loads the workspace.
type DeploymentStore struct {
	store unionstore.Store[Deployment]
}

func (s DeploymentStore) Put(ctx context.Context, workspace string, d Deployment) error {
	return s.store.Save(ctx, unionstore.NewChangesBuilder[Deployment](workspace).Set(d).Build())
}

func (s DeploymentStore) Delete(ctx context.Context, workspace, id string) error {
	return s.store.Save(ctx, unionstore.NewChangesBuilder[Deployment](workspace).Unset(Deployment{ID: id}).Build())
}

func (s DeploymentStore) Get(ctx context.Context, workspace, id string) (Deployment, error) {
	g, ok := s.store.(unionstore.Getter[Deployment])
	if !ok {
		return Deployment{}, errors.New("the store cannot read one deployment")
	}
	c, found, err := g.Get(ctx, workspace, "deployment", id)
	switch {
	case err != nil:
		return Deployment{}, err
	case !found || c.ChangeType == unionstore.ChangeTypeUnset: // absent, or deleted
		return Deployment{}, fmt.Errorf("%w: %q in workspace %q", ErrNoDeployment, id, workspace)
	}
	return c.Entity, nil
}

func (s DeploymentStore) List(ctx context.Context, workspace string) ([]Deployment, error) {
	changes, err := s.store.Load(ctx, workspace)
	if err != nil {
		return nil, err
	}
	var out []Deployment
	for _, c := range changes {
		if c.ChangeType == unionstore.ChangeTypeSet {
			out = append(out, c.Entity)
		}
	}
	return out, nil
}

// A domain store over a union of a Memory, the fast copy, and a bolt file,
// the durable one.
func Example_domainStore() {
	dir, err := os.MkdirTemp("", "deployments")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	file, err := boltstore.Open[Deployment](filepath.Join(dir, "deployments.db"))
	if err != nil {
		log.Fatal(err)
	}
	cache := unionstore.NewMemory[Deployment]()
	u := unionstore.New(unionstore.Named("cache", cache), unionstore.Named("file", file))
	defer u.Close()

	ctx := context.Background()
	deployments := DeploymentStore{store: u}
	for _, d := range []Deployment{{"d1", "api", "1.4.0"}, {"d2", "web", "2.0.1"}, {"d3", "worker", "0.9.2"}} {
		if err := deployments.Put(ctx, "acme", d); err != nil {
			log.Fatal(err)
		}
	}
	if err := deployments.Put(ctx, "acme", Deployment{"d1", "api", "1.5.0"}); err != nil {
		log.Fatal(err)
	}
	if err := deployments.Delete(ctx, "acme", "d3"); err != nil {
		log.Fatal(err)
	}

	d1, err := deployments.Get(ctx, "acme", "d1")
	fmt.Println(d1.Service, d1.Version, err)
	_, err = deployments.Get(ctx, "acme", "d3")
	fmt.Println(err)
	list, err := deployments.List(ctx, "acme")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(list)
	// Output:
	// api 1.5.0 <nil>
	// no such deployment: "d3" in workspace "acme"
	// [{d1 api 1.5.0} {d2 web 2.0.1}]
}
