"""Calendar-feed tokens stored in clear are replaced by their SHA-256 (hex), as the feed now
looks them up; the addresses practitioners subscribed to keep working. A value that is
already a hash is left alone. There is no way back from a hash: backwards, nothing changes."""

import hashlib
import re

from django.db import migrations

_HASH = re.compile(r"^[0-9a-f]{64}$")


def hash_tokens(apps, schema_editor):
    Resource = apps.get_model("scheduling", "Resource")
    for resource in Resource.objects.exclude(feed_token="").only("id", "feed_token"):
        if not _HASH.match(resource.feed_token):
            resource.feed_token = hashlib.sha256(resource.feed_token.encode()).hexdigest()
            resource.save(update_fields=["feed_token"])


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0006_hold_indexes")]
    operations = [migrations.RunPython(hash_tokens, migrations.RunPython.noop)]
