package natsstore

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats.go/jetstream"
)

// layoutDescription is the description of the streams the store creates.
// It names the layout's version; a stream that another version made is
// refused (see the package documentation).
const layoutDescription = "unionstore changes, layout 1"

// minBody is the least room for an entity's encoding that a stream's max
// message size must leave after the store's headers: a stream that
// leaves less would refuse most changes.
const minBody = 1024

// openStream returns the stream c names, created if it is missing and c
// allows it, after checking that its settings suit the store.
func openStream(ctx context.Context, js jetstream.JetStream, c config) (jetstream.Stream, error) {
	st, err := js.Stream(ctx, c.stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) && c.createStream {
		st, err = js.CreateStream(ctx, streamConfig(c))
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			// Another process created it first.
			st, err = js.Stream(ctx, c.stream)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", c.stream, err)
	}
	if err := checkStream(st.CachedInfo().Config, c); err != nil {
		return nil, fmt.Errorf("stream %s: %w", c.stream, err)
	}
	return st, nil
}

// streamConfig returns the settings of a stream the store creates.
func streamConfig(c config) jetstream.StreamConfig {
	cfg := jetstream.StreamConfig{
		Name:              c.stream,
		Description:       layoutDescription,
		Subjects:          []string{c.prefix + ".>"},
		Retention:         jetstream.LimitsPolicy,
		MaxMsgsPerSubject: 1,
		MaxMsgs:           -1,
		MaxBytes:          -1,
		Discard:           jetstream.DiscardOld,
		Storage:           jetstream.FileStorage,
		Replicas:          1,
		// Direct gets let any replica answer a point read.
		AllowDirect: true,
	}
	if c.storageSet {
		cfg.Storage = c.storage
	}
	if c.replicas > 0 {
		cfg.Replicas = c.replicas
	}
	return cfg
}

// checkStream returns an error naming the first setting of an existing
// stream that the store cannot work with: one that would drop changes,
// refuse the saves of existing identities or every save, leave too little
// room for an entity, subjects that do not cover the prefix, or a replica
// count or storage other than the options asked for. Settings that only
// make Purge or PurgeTombstones fail, deny purge and deny delete, are
// accepted: those calls report the server's refusal.
func checkStream(cfg jetstream.StreamConfig, c config) error {
	switch {
	case cfg.Description != layoutDescription:
		return fmt.Errorf("description %q: want %q; the stream was not made by this store, or by another layout version", cfg.Description, layoutDescription)
	case !slices.Contains(cfg.Subjects, c.prefix+".>"):
		return fmt.Errorf("subjects %q do not include %q, the store's subject prefix", cfg.Subjects, c.prefix+".>")
	case cfg.MaxMsgsPerSubject != 1:
		return fmt.Errorf("max messages per subject %d: want 1, one message per identity", cfg.MaxMsgsPerSubject)
	case cfg.DiscardNewPerSubject:
		return errors.New("discard new per subject: want off, which would refuse every save of an identity the stream holds")
	case cfg.Retention != jetstream.LimitsPolicy:
		return fmt.Errorf("retention %v: want limits; other policies delete changes", cfg.Retention)
	case cfg.MaxMsgs > 0:
		return fmt.Errorf("max messages %d: want no limit, which would drop changes", cfg.MaxMsgs)
	case cfg.MaxBytes > 0:
		return fmt.Errorf("max bytes %d: want no limit, which would drop changes", cfg.MaxBytes)
	case cfg.MaxAge > 0:
		return fmt.Errorf("max age %v: want none, which would drop changes", cfg.MaxAge)
	case cfg.MaxMsgSize > 0 && cfg.MaxMsgSize < headerAllowance+minBody:
		return fmt.Errorf("max message size %d: want none or at least %d, %d for the store's headers and %d for an entity", cfg.MaxMsgSize, headerAllowance+minBody, headerAllowance, minBody)
	case cfg.NoAck:
		return errors.New("no ack: want acknowledgements, without which no save can tell that it was written")
	case cfg.Sealed:
		return errors.New("sealed: the stream takes no more changes")
	case c.replicas > 0 && max(cfg.Replicas, 1) != c.replicas:
		return fmt.Errorf("replicas %d: the store was asked for %d", cfg.Replicas, c.replicas)
	case c.storageSet && cfg.Storage != c.storage:
		return fmt.Errorf("storage %v: the store was asked for %v", cfg.Storage, c.storage)
	}
	return nil
}
