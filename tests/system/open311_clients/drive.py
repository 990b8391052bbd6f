"""Drives a running Segnala Open311 endpoint with two independently written Python
clients from PyPI: `georeport` (reads, JSON and XML) and `three` (discovery, services,
create with a photo as multipart, reads, JSON).

Environment: OPEN311_ENDPOINT (".../open311/v2"), OPEN311_API_KEY, PHOTO (a PNG file).
Prints one JSON object with what each client saw; the Rust test asserts on it.
"""

import itertools
import json
import os
import sys

# `three` was written for Python 2; this is the one name it needs that Python 3 renamed.
itertools.ifilter = filter

import georeport  # noqa: E402
import three  # noqa: E402

endpoint = os.environ["OPEN311_ENDPOINT"]
api_key = os.environ["OPEN311_API_KEY"]
seen = {}

t = three.Three(endpoint, api_key=api_key, format="json")
seen["three_discovery_formats"] = t.discovery()["endpoints"][0]["formats"]
services = t.services()
seen["three_service_codes"] = [s["service_code"] for s in services]
code = services[0]["service_code"]
seen["three_definition_code"] = t.services(code)["service_code"]
with open(os.environ["PHOTO"], "rb") as photo:
    created = t.post(
        code,
        address="Via Roma 12, Milano",
        name="Maria Bianchi",
        email="maria.bianchi@example.org",
        description="Lampione spento davanti al civico 12 (three)",
        lat="45.4642",
        long="9.19",
        media=photo,
    )
seen["three_post_status"] = t.post_response.status_code
seen["three_created"] = created

g = georeport.GeoReport(endpoint, api_key=api_key)
seen["georeport_services"] = [s["service_code"] for s in g.get_service_list()]
seen["georeport_definition"] = g.get_service_definition(code)["service_code"]
gx = georeport.GeoReport(endpoint, api_key=api_key, output_format="xml")
xml_services = gx.get_service_list()
seen["georeport_xml_services"] = [s["service_code"] for s in xml_services]

request_id = created[0]["service_request_id"]
try:
    seen["georeport_request"] = g.get_service_request(request_id)
    seen["georeport_xml_request"] = gx.get_service_request(request_id)
    seen["georeport_requests"] = g.get_service_requests(service_request_id=request_id)
except Exception as error:  # the Rust side reports what failed
    seen["georeport_read_error"] = repr(error)

json.dump(seen, sys.stdout)
