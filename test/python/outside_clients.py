"""Reads every stream of a local instance with the clients astronomers use, as they come.

pittgoogle-client decodes a message of each stream as Pitt-Google's own streams are decoded
(`Alert.from_msg`: schema "ztf"/"lsst" for the survey's Avro, "ztf" with its JSON deserializer for
alerts_pure and exgalac_trans, "default" for the salt2 JSON and the bucket notification); the ids
must be exact Python ints equal to the message attributes, the attributes must be what pittgoogle
computes itself for the same bytes (`Alert._add_attributes`; for ZTF, whose pittgoogle map has no
ra/dec, the healpix attributes are checked against hpgeom at the candidate's position), and the
light curve must come out of `Alert.dataframe`. google-cloud-storage downloads the stored alert and
google-cloud-bigquery queries the tables, on the emulators with `pgb local env --python`'s settings.

Usage: python outside_clients.py '<json: {"survey": "ztf"|"lsst", "subscriptions": {stream: name},
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
from pittgoogle.types_ import PubsubMessageLike

CONFIG = json.loads(sys.argv[1])
SURVEY = CONFIG["survey"]
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


def own_attributes(alert):
    """The attributes pittgoogle computes itself for the same data, as strings."""
    bare = pittgoogle.Alert.from_msg(PubsubMessageLike(data=alert.msg.data), alert.schema_name)
    bare.schema.deserializer = alert.schema.deserializer
    return {name: str(value) for name, value in bare.attributes.items()}


def check_attributes(stream, alert):
    ours = alert.msg.attributes
    for field, value in (("objectid", alert.objectid), ("sourceid", alert.sourceid)):
        key = alert.get_key(field)  # nested fields are a path, joined with _ as pittgoogle does
        name = "_".join(key) if isinstance(key, list) else key
        check(str(value) == ours.get(name), f"{stream}: {name} {value!r}, attribute {ours.get(name)!r}")
    check(type(alert.sourceid) is int, f"{stream}: source id is {type(alert.sourceid).__name__}")
    own = own_attributes(alert)
    # pittgoogle has no ZTF ra/dec (its healpix there is a placeholder) nor ZTF schema version
    compared = [k for k in own if SURVEY == "lsst" or not k.startswith(("healpix", "schema"))]
    for key in compared:
        check(ours.get(key) == own[key], f"{stream}: {key} {ours.get(key)!r}, pittgoogle {own[key]!r}")
    # and it keeps the attributes it finds
    check(alert.attributes["healpix29"] == ours["healpix29"], f"{stream}: healpix29 replaced")
    if SURVEY == "ztf":
        candidate = alert.dict["candidate"]
        for order in (9, 19, 29):
            expected = hpgeom.angle_to_pixel(
                2**order, candidate["ra"], candidate["dec"], nest=True, lonlat=True, degrees=True
            )
            got = ours[f"healpix{order}"]
            check(got == str(int(expected)), f"{stream}: healpix{order} {got}, hpgeom {expected}")
        check(ours["schema_version"] == alert.dict["schemavsn"], f"{stream}: schema_version")


def check_light_curve(stream, alert):
    frame = alert.dataframe
    # the source is the first row (a column with nulls is float there: compare the sources' own)
    source = alert.get("source")
    for column in ("jd", "midpointMjdTai", "magpsf", "psfFlux"):
        if column in source:
            check(frame[column].iloc[0] == source[column], f"{stream}: light curve row 0 {column}")
    rows = 1 + len(alert.get("prv_sources") or []) + len(alert.get("prv_forced_sources") or [])
    check(len(frame) == rows, f"{stream}: light curve of {len(frame)} rows, expected {rows}")


def survey_alert(stream):
    """alerts carries the survey's Avro; alerts_pure and exgalac_trans the same alert as JSON."""
    alert = pull(stream, SURVEY)
    if stream != "alerts":
        alert.schema.deserializer = "json"
    check_attributes(stream, alert)
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
    """The bucket notification names the object; google-cloud-storage fetches it, and it decodes
    as the survey's alert (fastavro for ZTF's container, pittgoogle for LSST's wire format)."""
    notification = pull("alert_avros", "default").dict
    gcs = storage.Client(project=PROJECT, credentials=CREDENTIALS)
    data = gcs.bucket(notification["bucket"]).blob(notification["name"]).download_as_bytes()
    if SURVEY == "ztf":
        records = list(fastavro.reader(io.BytesIO(data)))
        check(len(records) == 1, f"alert_avros: {len(records)} records in {notification['name']}")
        ids = records[0]["objectId"], records[0]["candid"]
    else:
        alert = pittgoogle.Alert.from_msg(PubsubMessageLike(data=data), schema_name="lsst")
        ids = alert.objectid, alert.sourceid
    name = f"{ids[0]}/{ids[1]}.avro"
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
    # value-added has filters for ZTF only: LSST has no derived streams
    derived = ("alerts_pure", "exgalac_trans") if SURVEY == "ztf" else ()
    for stream in ("alerts", *derived):
        survey_alert(stream)
        print(f"{stream}: ids exact, attributes = pittgoogle's, light curve", flush=True)
    stored_avro()
    print("alert_avros: notification → object → decoded", flush=True)
    if SURVEY == "ztf":
        candid = salt2()
        print("salt2: fit and alert ids exact", flush=True)
        bigquery_rows(candid)
        print("bigquery: salt2 row by candid", flush=True)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as err:
        print(f"FAILED: {err}", file=sys.stderr)
        sys.exit(1)
