"""Entries written before the chain was keyed stay verifiable, but only as a sealed prefix.

They carry key id "" and a plain sha256 chain hash, which anyone can recompute. This records how
many there are (legacy_seq) and seals that number and the last one's hash with the access-log
key (legacy_seal = "key id:HMAC"), so `klinik audit verify` accepts exactly those and refuses a
rewritten prefix or a moved boundary. New databases record 0 and need no seal.

The key id and the seal are computed here as klinik.audit.keys and klinik.audit.chain do
(a data migration does not import the app's code): the formulas are part of the stored format.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import migrations


def forward(apps, schema_editor):
    ChainHead = apps.get_model("audit", "ChainHead")
    head = ChainHead.objects.filter(pk=1).first()
    if head is None or head.seq == 0:
        return
    if not settings.KLINIK_AUDIT_KEY:
        raise ImproperlyConfigured(
            f"The access log holds {head.seq} entries from before it was keyed: set "
            "KLINIK_AUDIT_KEY (or create $KLINIK_DATA_DIR/audit_key) before migrating."
        )
    secret = settings.KLINIK_AUDIT_KEY.encode()
    key_id = hashlib.sha256(b"klinik-audit-key-id\0" + secret).hexdigest()[:16]
    message = f"klinik-audit-legacy:{head.seq}:{head.last_hash}".encode()
    seal = hmac.new(secret, message, hashlib.sha256).hexdigest()
    ChainHead.objects.filter(pk=1).update(legacy_seq=head.seq, legacy_seal=f"{key_id}:{seal}")


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_entry_key_id_and_legacy_prefix")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
