package sqlitestore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/sqlitestore"
)

type Customer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (c Customer) CompactionKey() (kind, id string) { return "customer", c.ID }

// A store is one SQLite file, an ordinary database that any SQLite tool
// reads, here database/sql through the driver the store uses: a row of
// table records per identity, type 1 for a set and 2 for a tombstone.
// WithSync(SyncNormal) makes commits cheaper, at the risk of losing the
// last batches to a crash of the machine.
func Example() {
	ctx := context.Background()
	path, remove := examplePath("shop.db")
	defer remove()
	s, err := sqlitestore.Open[Customer](path, sqlitestore.WithSync(sqlitestore.SyncNormal))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	changes := unionstore.NewChangesBuilder[Customer]("shop").
		Set(Customer{ID: "c2", Name: "Bob"}).
		Set(Customer{ID: "c1", Name: "Ada"}).
		Unset(Customer{ID: "c2"}).
		Build()
	if err := s.Save(ctx, changes); err != nil {
		log.Fatal(err)
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT id, type FROM records WHERE namespace = ? ORDER BY id", "shop")
	if err != nil {
		log.Fatal(err)
	}
	for rows.Next() {
		var id string
		var typ int
		if err := rows.Scan(&id, &typ); err != nil {
			log.Fatal(err)
		}
		fmt.Println(id, typ)
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// c1 1
	// c2 2
}

// Two stores on one file stand for two processes: each sees the other's
// saves, and an older change saved later does not replace a newer one.
func Example_sharedFile() {
	path, remove := examplePath("shop.db")
	defer remove()

	ctx := context.Background()
	a, err := sqlitestore.Open[Customer](path)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	b, err := sqlitestore.Open[Customer](path)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	now := time.Now()
	newer := unionstore.Changes[Customer]{{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet,
		Entity: Customer{ID: "c1", Name: "Ada Lovelace"}, Timestamp: now}}
	older := unionstore.Changes[Customer]{{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet,
		Entity: Customer{ID: "c1", Name: "Ada"}, Timestamp: now.Add(-time.Second)}}
	if err := a.Save(ctx, newer); err != nil {
		log.Fatal(err)
	}
	if err := b.Save(ctx, older); err != nil {
		log.Fatal(err)
	}
	c, _, err := b.Get(ctx, "shop", "customer", "c1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Entity.Name)
	// Output:
	// Ada Lovelace
}

// A file that is not a unionstore SQLite file is refused, and left as it
// was.
func ExampleOpen_notStore() {
	path, remove := examplePath("notes.txt")
	defer remove()
	if err := os.WriteFile(path, []byte("shopping list: bread, milk\n"), 0o600); err != nil {
		log.Fatal(err)
	}

	_, err := sqlitestore.Open[Customer](path)
	fmt.Println(errors.Is(err, sqlitestore.ErrNotStore))
	// Output:
	// true
}

// A store opened read-only reads what others save and refuses to write.
func ExampleWithReadOnly() {
	path, remove := examplePath("shop.db")
	defer remove()

	ctx := context.Background()
	w, err := sqlitestore.Open[Customer](path)
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	r, err := sqlitestore.Open[Customer](path, sqlitestore.WithReadOnly())
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()

	if err := w.Save(ctx, unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: "c1", Name: "Ada"}).Build()); err != nil {
		log.Fatal(err)
	}
	loaded, err := r.Load(ctx, "shop")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(loaded), loaded[0].Entity.Name)
	err = r.Save(ctx, loaded)
	fmt.Println(errors.Is(err, unionstore.ErrReadOnly))
	// Output:
	// 1 Ada
	// true
}

// ExampleStore_Watch takes a snapshot of a namespace, then follows the
// changes saved after it, from its cursor.
func ExampleStore_Watch() {
	path, remove := examplePath("shop.db")
	defer remove()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := sqlitestore.Open[Customer](path)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	if err := s.Save(ctx, unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: "c1", Name: "Ada"}).Build()); err != nil {
		log.Fatal(err)
	}
	snapshot, cursor, err := s.Snapshot(ctx, "shop")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("snapshot:", len(snapshot), "customer")

	if err := s.Save(ctx, unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: "c2", Name: "Bob"}).Build()); err != nil {
		log.Fatal(err)
	}
	for ev, err := range s.Watch(ctx, "shop", cursor) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("then:", ev.Change.ChangeType, ev.Change.Entity.Name)
		break // a follower would go on, and keep ev.Cursor to resume from
	}
	// Output:
	// snapshot: 1 customer
	// then: set Bob
}

// examplePath returns the path of a file named name in a new temporary
// directory, and a function that removes the directory.
func examplePath(name string) (string, func()) {
	dir, err := os.MkdirTemp("", "sqlitestore-example")
	if err != nil {
		log.Fatal(err)
	}
	return filepath.Join(dir, name), func() { os.RemoveAll(dir) }
}
