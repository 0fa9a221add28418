#!/usr/bin/perl
# Checks the REST API's OpenAPI document with JSON::Validator (Debian's libjson-validator-perl),
# for test_openapi.py: the document against the OpenAPI 3.0 schema (of Debian's
# openapi-specification), then each recorded request body and reply against what the document
# says of its operation. Reads on standard input
#   {"document": {...},
#    "requests": [{"method", "path" (as in the document), "path_params": {name: value}, "body"}],
#    "replies": [{"method", "path", "status", "body", "headers": {lower-case name: value}}]}
# and writes {"document": [errors], "requests": [[errors]], "replies": [[errors]]}.
use strict;
use warnings;

use JSON::Validator::Schema::OpenAPIv3;
use Mojo::JSON qw(decode_json encode_json);

my $in     = decode_json(do { local $/; <STDIN> });
# No coercion: the bodies are JSON, so "404" is not a number nor "true" a boolean.
my $schema = JSON::Validator::Schema::OpenAPIv3->new($in->{document}, coerce => {});
my %out    = (document => [map {"$_"} @{$schema->errors}], requests => [], replies => []);

# A getter for JSON::Validator: the body, or a header by name.
sub getters {
    my ($item) = @_;
    my %headers = %{$item->{headers}     || {}};
    my %params  = %{$item->{path_params} || {}};
    return {
        body => sub {
            return {exists => exists $item->{body}, value => $item->{body},
                    content_type => 'application/json'};
        },
        header => sub {
            my ($name) = @_;
            my $key = lc $name;
            return {exists => exists $headers{$key}, value => $headers{$key}};
        },
        cookie => sub { return {exists => 0} },
        path   => sub {
            my ($name) = @_;
            return {exists => exists $params{$name}, value => $params{$name}};
        },
        query  => sub { return {exists => 0} },
    };
}

for my $r (@{$in->{requests}}) {
    my @errors = $schema->validate_request([$r->{method}, $r->{path}], getters($r));
    push @{$out{requests}}, [map {"$_"} @errors];
}
for my $r (@{$in->{replies}}) {
    my @errors = $schema->validate_response([$r->{method}, $r->{path}, $r->{status}], getters($r));
    push @{$out{replies}}, [map {"$_"} @errors];
}
print encode_json(\%out);
