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

// putSource writes records to a namespace. KEYS: records hash, ids sorted
// set, counts hash. ARGV: member, value, member, value... It returns the
// number of records written.
const putSource = `
local n = #ARGV / 2
local members = {}
for i = 1, n do members[i] = ARGV[2 * i - 1] end
local olds = redis.call('HMGET', KEYS[1], unpack(members))
local hset, zadd = {}, {}
local sets, unsets = 0, 0
for i = 1, n do
	local v, old = ARGV[2 * i], olds[i]
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
return #hset / 2
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
// saved again meanwhile is kept. KEYS: records hash, ids sorted set,
// counts hash. ARGV: the lower bound as for pageSource, the page size, the
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
end
local left = redis.call('ZCARD', KEYS[2])
if left == 0 then redis.call('DEL', KEYS[3]) end
return {#del, members[#members], left, #members}
`

var (
	putScript   = redis.NewScript(putSource)
	pageScript  = redis.NewScript(pageSource)
	purgeScript = redis.NewScript(purgeSource)
)

// loadScripts loads the scripts into the server's cache, so that the
// pipelined calls of Put find them, and so that a server that cannot run
// them is reported when the store is made.
func loadScripts(ctx context.Context, c redis.Scripter) error {
	for _, s := range []*redis.Script{putScript, pageScript, purgeScript} {
		if err := s.Load(ctx, c).Err(); err != nil {
			return fmt.Errorf("load scripts: %w", err)
		}
	}
	return nil
}

// isNoScript reports whether err is the server's answer to EVALSHA of a
// script it does not hold, as after SCRIPT FLUSH or a restart.
func isNoScript(err error) bool { return redis.HasErrorPrefix(err, "NOSCRIPT") }
