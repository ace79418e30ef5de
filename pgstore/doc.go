// Package pgstore is a [unionstore.Store] backed by a PostgreSQL table.
package pgstore
