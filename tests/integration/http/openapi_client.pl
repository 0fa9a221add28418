#!/usr/bin/perl
# A client generated from the OpenAPI document by OpenAPI::Client (Debian's
# libopenapi-client-perl), for test_openapi.py: one method per operationId, which checks its
# parameters and body against the document before it sends them. Arguments: the document's
# file, the server's origin (https://127.0.0.1:port), a username and its password. Writes one
# JSON line per call: {"op", "status", "body"}.
use strict;
use warnings;

use Mojo::File qw(path);
use Mojo::JSON qw(encode_json);
use OpenAPI::Client;

my ($document, $origin, $username, $password) = @ARGV;
my $client = OpenAPI::Client->new("file://" . path($document)->to_abs, base_url => $origin);
$client->ua->insecure(1);  # the node's certificate is self-signed

my $token = '';
$client->on(after_build_tx => sub {
    my (undef, $tx) = @_;
    $tx->req->headers->header('X-FilesAPI-Auth' => $token) if $token;
});

sub show {
    my ($op, $tx) = @_;
    my $res = $tx->res;
    my $json = ($res->headers->content_type // '') =~ m{^application/json} ? $res->json : undef;
    print encode_json({op => $op, status => $res->code // 0, body => $json,
                       error => $tx->error ? $tx->error->{message} : undef}), "\n";
    return $json;
}

my $session = show(createSession => $client->createSession({},
    json => {username => $username, password => $password}));
$token = $session->{id};
show(getCurrentUser => $client->getCurrentUser);
show(createFolder => $client->createFolder({path => 'reports'}));
show(uploadFile => $client->uploadFile({path => 'notes.txt'}, body => "made by a generated client\n"));
show(copyFile => $client->copyFile({path => 'notes.txt'}, json => {destination => '/copy.txt'}));
show(listFolder => $client->listFolder({path => ''}));
show(getMetadata => $client->getMetadata({path => 'copy.txt'}));
# A path with '/' in it: the generated class sends it percent-encoded.
show(uploadNested => $client->uploadFile({path => 'reports/q1.csv'}, body => "a,b\n"));
show(listNested => $client->listFolder({path => 'reports'}));
show(downloadFile => $client->downloadFile({path => 'copy.txt', Range => 'bytes=0-3'}));
show(listHistory => $client->listHistory({action => 'mkdir', per_page => 10}));
# Refused by the generated class itself, before anything is sent: out of the documented range.
show(listHistoryBadPage => $client->listHistory({per_page => 0}));
show(listHistoryBadAction => $client->listHistory({action => 'failed_login'}));
# Refused by the server: an administrator's route.
show(listUsers => $client->listUsers({per_page => 5}));
show(deleteSession => $client->deleteSession);
