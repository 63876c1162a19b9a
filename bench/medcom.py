"""MedCom CareCommunication (issue 15): building and validating message Bundles with
fhir.resources, and reading received ones back, in process."""

from __future__ import annotations

import base64
import functools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.registry import BenchContext, Measurement, Outcome, benchmark
from bench.timing import Stats, time_ms
from klinik.correspondence.messages import fhir
from klinik.correspondence.messages.choices import CareCategory

TARGET_MS = 5.0
BUNDLES = 1000

ABOUT = """\
**1,000 CareCommunication message Bundles** (korrespondancemeddelelser, FDIS91), each with its
MessageHeader, sender and receiver organisations (SOR and EAN), patient (CPR), Communication
with one to three text segments and their authors, and Provenance; every tenth carries a letter
PDF of 30 KB as an attachment. The categories, texts and reply/new activities vary. Each is
**built and validated** with `fhir.resources` (its R4B models, ADR 0020) — what every outgoing
message goes through before it is stored — timed one by one; then each is **read back**
(`message_parse`: validation, references resolved, identifiers and segments checked), as the
inbox does with a received Bundle. In process, no database: the Bundle work alone."""


def _message(ctx: BenchContext, index: int, pdf: str) -> fhir.CareCommunication:
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=index)
    segments = tuple(
        fhir.Segment(
            identifier=uuid.UUID(int=ctx.rng.getrandbits(128), version=4),
            at=at - timedelta(days=n),
            author=f"Læge {index % 37}",
            contact="86123456",
            text="Kære kollega\n"
            + "Patienten er set i ambulatoriet i dag. " * ctx.rng.randint(2, 30),
        )
        for n in range(ctx.rng.randint(1, 3))
    )
    attachments = (
        (fhir.Attachment("application/pdf", "Epikrise", pdf, at),) if index % 10 == 0 else ()
    )
    replying = ctx.rng.random() < 0.3
    return fhir.CareCommunication(
        header_id=uuid.UUID(int=ctx.rng.getrandbits(128), version=4),
        communication_id=uuid.UUID(int=ctx.rng.getrandbits(128), version=4),
        at=at,
        sender=fhir.Party("265161000016000", "5790000209354", "Hjerteafdelingen"),
        receiver=fhir.Party(f"{953741000016000 + index}", "5790001348120", "Lægerne i Byen"),
        cpr=f"{(index % 28) + 1:02d}0{(index % 9) + 1}70{index % 10}{(index * 7) % 1000:03d}",
        given_name="Bruno",
        family_name="Elmer",
        category=ctx.rng.choice(CareCategory.values),
        topic="Opfølgning",
        segments=segments,
        activity="reply-message" if replying else "new-message",
        replies_to=uuid.UUID(int=ctx.rng.getrandbits(128), version=4) if replying else None,
        attachments=attachments,
    )


@benchmark(name="medcom", title="MedCom: CareCommunication Bundles", about=ABOUT)
def medcom(ctx: BenchContext) -> Outcome:
    pdf = base64.b64encode(bytes(ctx.rng.getrandbits(8) for _ in range(30_000))).decode()
    messages = [_message(ctx, i, pdf) for i in range(BUNDLES)]  # the contract's 1,000, always
    for message in messages[:20]:  # warm-up: pydantic builds its validators once
        fhir.bundle_validate(fhir.care_communication_build(message))
    ctx.log(f"building and validating {len(messages):,} Bundles")
    built: list[dict[str, Any]] = []

    def build(message: fhir.CareCommunication) -> None:
        bundle = fhir.care_communication_build(message)
        fhir.bundle_validate(bundle)
        built.append(bundle)

    build_ms = [time_ms(functools.partial(build, message)) for message in messages]
    parse_ms = [time_ms(functools.partial(fhir.message_parse, bundle)) for bundle in built]
    assert all(
        fhir.message_parse(b).header_id == m.header_id for b, m in zip(built, messages, strict=True)
    )
    building, parsing = Stats.of(build_ms), Stats.of(parse_ms)
    return Outcome(
        measurements=[
            Measurement(
                key="medcom_build_mean",
                label="CareCommunication: build and validate one Bundle (mean)",
                value=round(building.mean, 2),
                unit="ms",
                target=TARGET_MS,
            ),
            Measurement(
                key="medcom_build_p95",
                label="CareCommunication: build and validate one Bundle (p95)",
                value=round(building.p95, 2),
                unit="ms",
                target=TARGET_MS,
            ),
            Measurement(
                key="medcom_parse_p95",
                label="CareCommunication: validate and read a received Bundle (p95)",
                value=round(parsing.p95, 2),
                unit="ms",
                target=TARGET_MS,
            ),
        ],
        parameters={
            "bundles": len(messages),
            "with_attachment": "10 % (30 KB PDF)",
            "total_build_s": round(sum(build_ms) / 1000, 2),
        },
    )
