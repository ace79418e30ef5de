package redisstore

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// The scripts run on the server, each on the keys of one namespace (one
// hash tag, so one cluster slot), which Redis runs atomically.
//
// Timestamps are compared as two 32-bit halves read with struct.unpack: a
// signed high half, then an unsigned low half. Lua's numbers are doubles,
// which hold each half exactly but would round a whole int64 of
// nanoseconds. A stored value is counted as a tombstone when its type byte
// is 2 and as a set otherwise, in every script, so that the counts agree
// with what is stored even for a damaged value.

// notOlder is the last-write-wins condition of putSource: the new value v
// replaces the stored one when its timestamp is at least as late, so that
// on equal timestamps the later put wins.
const notOlder = `write = nh > oh or (nh == oh and nl >= ol)`

// feedSource is the Lua shared by the scripts that move a namespace's
// feed (see the package doc on the change feed): feed(KEYS) reads the
// feed hash (KEYS[5]) and returns its epoch and last sequence number,
// giving the feed a new epoch, the server's time in microseconds, when it
// has none; the log (KEYS[4]) is then deleted, since its entries belong to
// a lost epoch. pos formats a position as a stream ID. Sequence numbers
// and epochs stay below 2^53, so Lua's doubles hold them exactly.
const feedSource = `
local function pos(epoch, seq) return epoch .. '-' .. string.format('%.0f', seq) end
local function feed(KEYS)
	local f = redis.call('HMGET', KEYS[5], 'epoch', 'seq')
	if f[1] then return f[1], tonumber(f[2]) or 0 end
	local t = redis.call('TIME')
	local epoch = string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2]))
	redis.call('DEL', KEYS[4])
	redis.call('HSET', KEYS[5], 'epoch', epoch)
	return epoch, 0
end
`

// putSource writes records to a namespace and appends each record it
// applies to the namespace's log, in the same atomic call. KEYS: records
// hash, ids sorted set, counts hash, log stream, feed hash. ARGV: the
// log's length bound (MAXLEN ~), then member, value, member, value... It
// returns the number of records written.
const putSource = feedSource + `
local n = (#ARGV - 1) / 2
local members = {}
for i = 1, n do members[i] = ARGV[2 * i] end
local olds = redis.call('HMGET', KEYS[1], unpack(members))
local hset, zadd = {}, {}
local sets, unsets = 0, 0
for i = 1, n do
	local v, old = ARGV[2 * i + 1], olds[i]
	local write = true
	if old then
		-- A stored value that is not of this layout cannot be compared: it
		-- is replaced.
		if #old >= 10 and string.byte(old, 1) == 1 then
			local nh, nl = struct.unpack('>i4I4', v, 3)
			local oh, ol = struct.unpack('>i4I4', old, 3)
			` + notOlder + `
		end
		if write then
			if string.byte(old, 2) == 2 then unsets = unsets - 1 else sets = sets - 1 end
		end
	else
		zadd[#zadd + 1] = 0
		zadd[#zadd + 1] = members[i]
	end
	if write then
		hset[#hset + 1] = members[i]
		hset[#hset + 1] = v
		if string.byte(v, 2) == 2 then unsets = unsets + 1 else sets = sets + 1 end
	end
end
if #hset > 0 then redis.call('HSET', KEYS[1], unpack(hset)) end
if #zadd > 0 then redis.call('ZADD', KEYS[2], unpack(zadd)) end
if sets ~= 0 then redis.call('HINCRBY', KEYS[3], 'sets', sets) end
if unsets ~= 0 then redis.call('HINCRBY', KEYS[3], 'unsets', unsets) end
if #hset > 0 then
	local epoch, seq = feed(KEYS)
	for j = 1, #hset, 2 do
		seq = seq + 1
		redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[1], pos(epoch, seq), 'm', hset[j], 'v', hset[j + 1])
	end
	redis.call('HSET', KEYS[5], 'seq', string.format('%.0f', seq))
end
return #hset / 2
`

// purgeNamespaceSource removes a namespace's records and gives the purge
// a position of its own: the log is replaced by one entry, the purge's
// marker, so that every position before it expires, a watcher's that is
// up to date included, and a watcher blocked on the log wakes to learn
// it. A namespace with neither records nor a feed is left without keys.
// KEYS: as putSource's. It returns 1 when it moved the feed, 0 otherwise.
const purgeNamespaceSource = feedSource + `
local had = redis.call('EXISTS', KEYS[2], KEYS[5])
redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
if had == 0 then return 0 end
local epoch, seq = feed(KEYS)
seq = seq + 1
redis.call('XADD', KEYS[4], pos(epoch, seq), 'purge', '1')
redis.call('HSET', KEYS[5], 'seq', string.format('%.0f', seq))
return 1
`

// feedStateSource reads, atomically, a namespace's feed hash and the
// first log entry after a position. KEYS: feed hash, log stream. ARGV:
// the position as a stream ID. It returns the epoch ("" for none), the
// last sequence number, the ID of the entry after the position ("" for
// none) and whether that entry is a purge's marker (1 or 0).
const feedStateSource = `
local f = redis.call('HMGET', KEYS[1], 'epoch', 'seq')
local next = redis.call('XRANGE', KEYS[2], '(' .. ARGV[1], '+', 'COUNT', 1)
local id, marker = '', 0
if #next > 0 then
	id = next[1][1]
	if next[1][2][1] == 'purge' then marker = 1 end
end
return {f[1] or '', f[2] or '0', id, marker}
`

// pageSource reads a page of a namespace in (kind, id) order. KEYS:
// records hash, ids sorted set. ARGV: the lower bound for ZRANGE BYLEX
// ("-", or "(" and the last member read), the page size. It returns
// member, value, member, value...; a value is nil for a member without one,
// which the scripts never leave.
const pageSource = `
local members = redis.call('ZRANGE', KEYS[2], ARGV[1], '+', 'BYLEX', 'LIMIT', 0, ARGV[2])
if #members == 0 then return {} end
local values = redis.call('HMGET', KEYS[1], unpack(members))
local out = {}
for i = 1, #members do
	out[2 * i - 1] = members[i]
	out[2 * i] = values[i]
end
return out
`

// purgeSource removes the tombstones of a page of a namespace whose
// timestamp is at most the cut; the check is made here, so that a record
// saved again meanwhile is kept. When it removes one, it deletes the
// namespace's log, so that every position before the namespace's last one
// expires: a watcher behind it could otherwise miss a removed tombstone.
// KEYS: records hash, ids sorted set, counts hash, log stream. ARGV: the lower bound as for pageSource, the page size, the
// cut's high and low halves. It returns the number removed, the last member
// of the page ("" when it was empty), the number of records left in the
// namespace and the number of members read; the counts hash goes with the
// last record.
const purgeSource = `
local members = redis.call('ZRANGE', KEYS[2], ARGV[1], '+', 'BYLEX', 'LIMIT', 0, ARGV[2])
if #members == 0 then return {0, '', redis.call('ZCARD', KEYS[2]), 0} end
local values = redis.call('HMGET', KEYS[1], unpack(members))
local ch, cl = tonumber(ARGV[3]), tonumber(ARGV[4])
local del = {}
for i = 1, #members do
	local v = values[i]
	if v and #v >= 10 and string.byte(v, 1) == 1 and string.byte(v, 2) == 2 then
		local h, l = struct.unpack('>i4I4', v, 3)
		if h < ch or (h == ch and l <= cl) then del[#del + 1] = members[i] end
	end
end
if #del > 0 then
	redis.call('HDEL', KEYS[1], unpack(del))
	redis.call('ZREM', KEYS[2], unpack(del))
	redis.call('HINCRBY', KEYS[3], 'unsets', -#del)
	redis.call('DEL', KEYS[4])
end
local left = redis.call('ZCARD', KEYS[2])
if left == 0 then redis.call('DEL', KEYS[3]) end
return {#del, members[#members], left, #members}
`

var (
	putScript            = redis.NewScript(putSource)
	pageScript           = redis.NewScript(pageSource)
	purgeScript          = redis.NewScript(purgeSource)
	purgeNamespaceScript = redis.NewScript(purgeNamespaceSource)
	feedStateScript      = redis.NewScript(feedStateSource)
)

// loadScripts loads the scripts into the server's cache, so that the
// pipelined calls of Put find them, and so that a server that cannot run
// them is reported when the store is made.
func loadScripts(ctx context.Context, c redis.Scripter) error {
	for _, s := range []*redis.Script{putScript, pageScript, purgeScript, purgeNamespaceScript, feedStateScript} {
		if err := s.Load(ctx, c).Err(); err != nil {
			return fmt.Errorf("load scripts: %w", err)
		}
	}
	return nil
}

// isNoScript reports whether err is the server's answer to EVALSHA of a
// script it does not hold, as after SCRIPT FLUSH or a restart.
func isNoScript(err error) bool { return redis.HasErrorPrefix(err, "NOSCRIPT") }
