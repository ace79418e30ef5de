package unionstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/unionstore/unionstore"
)

func TestLifecycle(t *testing.T) {
	var l unionstore.Lifecycle
	ctx, cancel := context.WithCancel(context.Background())
	driver := errors.New("connection reset")
	if err := l.Check(ctx); err != nil {
		t.Fatalf("Check of an open store = %v", err)
	}
	if err := l.Wrap(ctx, nil); err != nil {
		t.Fatalf("Wrap(nil) = %v", err)
	}
	if err := l.Wrap(ctx, driver); err != driver {
		t.Fatalf("Wrap with nothing to add = %v, want the error as it is", err)
	}
	cancel()
	if err := l.Check(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Check with a done context = %v", err)
	}
	if err := l.Wrap(ctx, driver); !errors.Is(err, context.Canceled) || !errors.Is(err, driver) {
		t.Fatalf("Wrap with a done context = %v, want both errors", err)
	}
	if !l.Close() || l.Close() || !l.Closed() {
		t.Fatal("Close must report true once, then false, and Closed true")
	}
	if err := l.Check(context.Background()); !errors.Is(err, unionstore.ErrClosed) {
		t.Fatalf("Check after Close = %v", err)
	}
	if err := l.Wrap(context.Background(), driver); !errors.Is(err, unionstore.ErrClosed) || !errors.Is(err, driver) {
		t.Fatalf("Wrap after Close = %v, want ErrClosed and the driver's error", err)
	}
}

func TestLifecycleDone(t *testing.T) {
	var before unionstore.Lifecycle
	done := before.Done()
	select {
	case <-done:
		t.Fatal("Done is closed before Close")
	default:
	}
	before.Close()
	<-done // closed by Close

	var after unionstore.Lifecycle
	after.Close()
	<-after.Done() // closed already, for a Done after Close

	var racing unionstore.Lifecycle
	go racing.Close()
	<-racing.Done()
}
