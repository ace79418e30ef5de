package main

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// TestS3NewPrefixReadsAsEmpty: a prefix that holds nothing yet is an empty
// store, which dry runs, check and shards read without writing to it, on
// an in-process S3 server.
func TestS3NewPrefixReadsAsEmpty(t *testing.T) {
	// The command takes its credentials from the AWS SDK's default chain:
	// the environment, and nothing of the machine's own settings.
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "test",
		"AWS_SECRET_ACCESS_KEY":       "test",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
	const bucket, prefix = "unionstore-test", "new"
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	addr := "s3://" + bucket + "/" + prefix + "?endpoint=" + srv.URL + "&region=us-east-1"
	testAbsentReadsAsEmpty(t, dir, addr, false, func() bool {
		p := gofakes3.NewPrefix(aws.String(prefix+"/"), nil)
		list, err := backend.ListBucket(bucket, &p, gofakes3.ListBucketPage{})
		if err != nil {
			t.Fatalf("listing %s/%s: %v", bucket, prefix, err)
		}
		return len(list.Contents) > 0
	})
}
