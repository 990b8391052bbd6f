"""Asks a running Segnala gRPC port what it serves, the way Python integrators do: with
PyPI's `grpcio-reflection` client (its ProtoReflectionDescriptorDatabase speaks the
v1alpha reflection protocol), then resolves every listed service's methods from the
descriptors the server sends.

Usage: reflect.py HOST:PORT. Prints one JSON object, {"services": {name: [methods]}};
the Rust test asserts on it.
"""

import json
import sys

import grpc
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

with grpc.insecure_channel(sys.argv[1]) as channel:
    database = ProtoReflectionDescriptorDatabase(channel)
    pool = DescriptorPool(database)
    services = {}
    for name in database.get_services():
        service = pool.FindServiceByName(name)
        services[name] = sorted(method.name for method in service.methods)

print(json.dumps({"services": services}, sort_keys=True))
