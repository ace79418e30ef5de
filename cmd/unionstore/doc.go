// Command unionstore looks inside stores, compares them and copies between
// them, the way rclone's check and sync work for file remotes.
//
// # Stores
//
// A store address is a bolt file path, bolt://PATH, pebble://DIR, or a
// PostgreSQL URL,
// postgres://user@host:port/database, which may name the table and schema
// with the query parameters table= and schema= (the default table is
// unionstore_changes), and with changefeed=false make a table without the
// change feed, which watch then cannot follow. A NATS JetStream address is
// nats://host:port?stream=NAME (the default stream is UNIONSTORE), a Kafka
// address kafka://host:port[,host:port]/TOPIC, and an S3 address
// s3://BUCKET/PREFIX with the optional query parameters endpoint= and
// region=. Passwords in URLs are masked in all output. Each backend
// registers an opener in the openers table from its own file. Commands
// that only read (load, namespaces, check, get, shards, the source of sync,
// and the dry runs) never create a file, a directory, a table, a stream or
// a topic. Check, shards and the dry runs of sync and repair read a store
// that does not exist yet, which a command that writes would create, as
// empty, and say so; load, get, namespaces and the source of sync refuse
// it, as a mistyped address.
//
// # Records
//
// Entities are JSON records: a kind, an id and a JSON body. The body is
// stored as it is, the payload that an application's JSON codec writes, so
// the command reads and writes the stores of typed applications. A record's
// body should hold the fields from which the application derives kind and
// id. A tombstone written by unset keeps the record's last body, taken from
// the stores given; unset refuses a record that none of them holds unless
// its body is given, since a tombstone without one would not decode. Put
// and unset check each batch of their input whole before they write it.
//
// # Commands
//
//	put         write records, one from the arguments or many as JSON lines
//	unset       write tombstones
//	get         the latest change of one record across stores
//	load        the merged state of namespaces across stores
//	namespaces  the namespaces of each store, with counts
//	check       what each store lacks or holds older; exit status 1 if any
//	sync        copy what the destination lacks or holds older
//	repair      bring every store to the merged state
//	shards      where each namespace lives over a list of shards
//	rebalance   move namespaces from an old list of shards to a new one
//	purge       remove a namespace (--all), or its old tombstones (needs --yes)
//	demo        a small migration from an old store to a new one
//	version     the version of the command
//
// Commands that remove or overwrite records (purge, sync, repair,
// rebalance, put and unset) refuse, with status 2 and before opening a
// store, every flag value that could be misread: an age of 0 or below, an
// empty or blank value or address, a time that does not parse or, for
// purge, one in the future, and a boolean such as --dry-run=0 that is not
// exactly true or false. Ages take the units s, m, h and d (30d). Only
// purge --all removes live records. A dry run (purge without --yes, or
// --dry-run) says how many live records and how many tombstones it would
// write or remove, and how many records held live a tombstone would
// delete.
//
// Every command has --help, printed on standard output, with examples.
// Every command says what it did, in words and counts; --json gives that
// as one JSON object and --quiet silences it. Exit status: 0 done (for
// check: equal), 1 check found differences, get found nothing, or put or
// unset kept a newer change a store held, 2 error (bad usage included),
// 130 interrupted. Long
// check, sync and repair runs show a progress bar with rate and time left
// when standard error is a terminal.
//
// # Input and output
//
// put and unset read standard input in checked batches, in bounded memory,
// and refuse rather than guess: an unknown field, a missing kind, a line
// over 64 MiB. Stopped by an error or Ctrl-C, they say which lines every
// store holds; a batch that some stores took, or whose outcome a store
// could not tell (one cut off while it committed), is named as written to
// those stores, or as one that may or may not have been written. load streams its table, buffered, every cell escaped so that
// no record can break the columns or drive the terminal.
package main
