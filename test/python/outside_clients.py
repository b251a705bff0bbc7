"""Reads every stream of a local instance with the clients astronomers use, as they come.

pittgoogle-client decodes a message of each stream as Pitt-Google's own streams are decoded
(`Alert.from_msg`: schema "ztf" for the survey's Avro, the same schema with its JSON deserializer
for alerts_pure and exgalac_trans, "default" for the salt2 JSON and the bucket notification); the
ids must be exact Python ints equal to the message attributes (pittgoogle-client's names), the
light curve must come out of `Alert.dataframe`, and the healpix attributes must be hpgeom's pixels.
google-cloud-storage downloads the stored Avro (fastavro reads it) and google-cloud-bigquery
queries the tables, both on the emulators with the settings of `pgb local env --python`.

Usage: python outside_clients.py '<json: {"subscriptions": {stream: name}, "bucket": ...,
"dataset": ..., "timeout": seconds}>'. Exits non-zero with the failed check's message.
"""

import io
import json
import os
import sys
import time

import fastavro
import hpgeom
import pittgoogle
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery, pubsub_v1, storage

CONFIG = json.loads(sys.argv[1])
PROJECT = os.environ["GOOGLE_CLOUD_PROJECT"]
CREDENTIALS = AnonymousCredentials()


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def pull(stream, schema_name):
    """One alert of `stream`, pulled through pittgoogle with a client it is handed (no login)."""
    subscription = pittgoogle.Subscription(
        CONFIG["subscriptions"][stream],
        client=pubsub_v1.SubscriberClient(),
        auth=pittgoogle.Auth(GOOGLE_CLOUD_PROJECT=PROJECT),
        schema_name=schema_name,
    )
    deadline = time.monotonic() + CONFIG["timeout"]
    while time.monotonic() < deadline:
        alerts = subscription.pull_batch(max_messages=1)
        if alerts:
            return alerts[0]
        time.sleep(1)
    raise AssertionError(f"{stream}: no message within {CONFIG['timeout']} s")


def check_ids(stream, alert):
    """objectId and candid (exact ints) as the attributes say, and hpgeom's pixels."""
    attributes = alert.msg.attributes
    check(alert.objectid == attributes["objectId"], f"{stream}: objectId {alert.objectid!r}")
    check(type(alert.sourceid) is int, f"{stream}: candid is {type(alert.sourceid).__name__}")
    check(str(alert.sourceid) == attributes["candid"], f"{stream}: candid {alert.sourceid}")
    candidate = alert.dict["candidate"]
    for order in (9, 19, 29):
        expected = hpgeom.angle_to_pixel(
            2**order, candidate["ra"], candidate["dec"], nest=True, lonlat=True, degrees=True
        )
        got = attributes[f"healpix{order}"]
        check(got == str(int(expected)), f"{stream}: healpix{order} {got}, hpgeom {expected}")
    # pittgoogle keeps the attributes it finds (its ZTF map has no ra/dec to compute them from)
    check(alert.attributes["healpix29"] == attributes["healpix29"], f"{stream}: healpix29 replaced")
    prv = alert.dict["prv_candidates"] or []
    check(attributes["n_previous_detections"] == str(len(prv)), f"{stream}: n_previous_detections")
    check(attributes["schema_version"] == alert.dict["schemavsn"], f"{stream}: schema_version")


def check_light_curve(stream, alert):
    frame = alert.dataframe
    rows = 1 + len(alert.dict["prv_candidates"] or [])
    check(len(frame) == rows, f"{stream}: light curve of {len(frame)} rows, expected {rows}")
    check({"jd", "fid", "magpsf"} <= set(frame.columns), f"{stream}: light-curve columns")


def survey_alert(stream):
    """alerts carries the survey's Avro; alerts_pure and exgalac_trans the same alert as JSON."""
    alert = pull(stream, "ztf")
    if stream != "alerts":
        alert.schema.deserializer = "json"
    check_ids(stream, alert)
    check_light_curve(stream, alert)
    return alert


def salt2():
    alert = pull("salt2", "default")
    fit, inner = alert.dict["salt2Fit"], alert.dict["alert"]
    candid = alert.msg.attributes["candid"]
    for where, value in (("salt2Fit.candid", fit["candid"]), ("alert.candid", inner["candid"])):
        check(type(value) is int and str(value) == candid, f"salt2: {where} {value!r} != {candid}")
    check(all(k in fit for k in ("z", "t0", "x0", "x1", "c", "chisq")), "salt2: fit parameters")
    return int(candid)


def stored_avro():
    """The bucket notification names the object; google-cloud-storage fetches it, fastavro reads it."""
    notification = pull("alert_avros", "default").dict
    gcs = storage.Client(project=PROJECT, credentials=CREDENTIALS)
    blob = gcs.bucket(notification["bucket"]).blob(notification["name"])
    records = list(fastavro.reader(io.BytesIO(blob.download_as_bytes())))
    check(len(records) == 1, f"alert_avros: {len(records)} records in {notification['name']}")
    record = records[0]
    name = f"{record['objectId']}/{record['candid']}.avro"
    check(notification["name"].endswith(name), f"alert_avros: {notification['name']} vs {name}")


def bigquery_rows(candid):
    client = bigquery.Client(
        project=PROJECT,
        credentials=CREDENTIALS,
        client_options={"api_endpoint": os.environ["PGB_BIGQUERY_API_ENDPOINT"]},
    )
    table = f"`{PROJECT}.{CONFIG['dataset']}.salt2_dedup`"
    rows = list(client.query(f"SELECT candid, z FROM {table} WHERE candid = {candid}").result())
    check(len(rows) == 1, f"bigquery: {len(rows)} salt2 rows for candid {candid}")
    check(rows[0]["candid"] == candid, f"bigquery: candid {rows[0]['candid']} != {candid}")


def main():
    for stream in ("alerts", "alerts_pure", "exgalac_trans"):
        survey_alert(stream)
        print(f"{stream}: ids exact, healpix = hpgeom, light curve", flush=True)
    candid = salt2()
    print("salt2: fit and alert ids exact", flush=True)
    stored_avro()
    print("alert_avros: notification → object → fastavro", flush=True)
    bigquery_rows(candid)
    print("bigquery: salt2 row by candid", flush=True)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as err:
        print(f"FAILED: {err}", file=sys.stderr)
        sys.exit(1)
