"""The journal: the record page's timeline and contacts, the editor, signing, note templates."""
