package storetest

import (
	"fmt"
	"testing"

	"github.com/unionstore/unionstore"
)

func TestNamed(t *testing.T) {
	made := 0
	fresh := func(testing.TB) string { made++; return fmt.Sprint("name", made) }
	var opened, reopened []string
	open := func(t *testing.T, name string) unionstore.Store[Item] {
		opened = append(opened, name)
		return unionstore.NewMemory[Item]()
	}
	reopen := func(t *testing.T, name string) unionstore.Store[Item] {
		reopened = append(reopened, name)
		return unionstore.NewMemory[Item]()
	}
	newStore, opt := Named(fresh, open, reopen)
	var c config
	opt(&c)
	a, b := newStore(t), newStore(t)
	c.reopen(t, b)
	c.reopen(t, a)
	if fmt.Sprint(opened) != "[name1 name2]" {
		t.Errorf("the factory opened %v, want [name1 name2]", opened)
	}
	if fmt.Sprint(reopened) != "[name2 name1]" {
		t.Errorf("reopens of the second store and the first opened %v, want [name2 name1]", reopened)
	}
}
