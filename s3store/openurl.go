package s3store

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// OpenURL returns a store for rawURL, s3://BUCKET/PREFIX, on a client of
// its own made from the AWS SDK's default configuration: credentials,
// region and CA bundle (AWS_CA_BUNDLE) from the environment and the shared
// files.
//
// The URL may carry two query parameters: region, which overrides the
// configured region, and endpoint, the URL of an S3-compatible server. With
// an endpoint the client uses path-style addressing, computes and checks
// checksums only when an operation requires them (see the package
// documentation), and defaults to region us-east-1. Without one a region
// must be configured.
//
// Options given as arguments configure the store as for [New]. OpenURL
// sends one HeadBucket request: a missing bucket gives an error wrapping
// [ErrNoBucket] that names it. It creates nothing. [Store.Close] closes
// the client's connections.
func OpenURL[E unionstore.Entity](ctx context.Context, rawURL string, opts ...Option) (*Store[E], error) {
	p, err := parseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("s3store: open: %w", err)
	}
	// Check the options before any I/O.
	c := defaults()
	if err := backend.Configure[E](&c, opts, &c.codec); err != nil {
		return nil, fmt.Errorf("s3store: open: %w", err)
	}
	cfg, err := loadConfig(ctx, p.endpoint, p.region)
	if err != nil {
		return nil, fmt.Errorf("s3store: open: %w", err)
	}
	client, release := ownedS3Client(cfg, p.endpoint)
	s, err := newStore[E](ctx, client, p.u.Host, p.u.Path, opts, release)
	if err != nil {
		if release != nil {
			release()
		}
		return nil, fmt.Errorf("s3store: open %s: %w", redacted(p.u), err)
	}
	return s, nil
}

// s3URL is what [OpenURL] reads from its URL: the bucket (u.Host) and the
// prefix (u.Path), and the endpoint and region query parameters, "" when
// absent.
type s3URL struct {
	u                *url.URL
	endpoint, region string
}

// parseURL returns the parts of rawURL, s3://BUCKET/PREFIX with the query
// parameters endpoint and region, or an error naming what is wrong with it:
// another scheme, no bucket, a user or a fragment, another parameter, or an
// endpoint that is not an http or https URL.
func parseURL(rawURL string) (s3URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return s3URL{}, fmt.Errorf("malformed URL: %w", err)
	}
	switch {
	case u.Scheme != "s3":
		return s3URL{}, fmt.Errorf("scheme %q: want s3", u.Scheme)
	case u.Host == "":
		return s3URL{}, errors.New("no bucket in the URL")
	case u.User != nil || u.Fragment != "":
		return s3URL{}, errors.New("the URL must not carry a user or a fragment")
	}
	q := u.Query()
	for k := range q {
		if k != "endpoint" && k != "region" {
			return s3URL{}, backend.UnknownURLParam(k, "endpoint", "region")
		}
	}
	p := s3URL{u: u, endpoint: q.Get("endpoint"), region: q.Get("region")}
	if err := checkEndpoint(p.endpoint); err != nil {
		return s3URL{}, err
	}
	return p, nil
}

// checkEndpoint returns an error unless endpoint is "" or an http or https
// URL with a host.
func checkEndpoint(endpoint string) error {
	if endpoint == "" {
		return nil
	}
	e, err := url.Parse(endpoint)
	if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
		return fmt.Errorf("endpoint %q: want an http or https URL", endpoint)
	}
	return nil
}

// loadConfig returns the SDK's default configuration with region, if not
// "", in place of the configured one. With an endpoint, checksums are
// computed and checked only when an operation requires them, and the
// region defaults to us-east-1; without one, a missing region is an error.
func loadConfig(ctx context.Context, endpoint, region string) (aws.Config, error) {
	var load []func(*awsconfig.LoadOptions) error
	if region != "" {
		load = append(load, awsconfig.WithRegion(region))
	}
	if endpoint != "" {
		load = append(load,
			awsconfig.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
			awsconfig.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired))
	}
	// The default configuration builds the SDK's own HTTP client, with the
	// CA bundle of AWS_CA_BUNDLE if set; passing a client of ours would make
	// it fail with that variable set. So start from the client it built.
	cfg, err := awsconfig.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		if endpoint == "" {
			return aws.Config{}, errors.New("no region: set region= in the URL or configure one (AWS_REGION)")
		}
		cfg.Region = "us-east-1"
	}
	return cfg, nil
}

// ownedS3Client returns an S3 client made from cfg, addressing endpoint
// path-style when it is not "", and the function that releases its
// connections (see [ownedClient]), or nil when the SDK resolved an HTTP
// client it cannot take over.
func ownedS3Client(cfg aws.Config, endpoint string) (*s3.Client, func()) {
	var release func()
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
		// By now the SDK has resolved its HTTP client for S3 (the defaults
		// mode's timeouts included): take it over, so that Close can
		// release its connections.
		if bc, ok := o.HTTPClient.(*awshttp.BuildableClient); ok {
			o.HTTPClient, release = ownedClient(bc)
		}
	})
	return client, release
}

// redacted returns u without its query, which may name a private endpoint.
func redacted(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}
