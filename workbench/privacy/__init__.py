"""Personal data: redaction before storage (detection, pseudonyms, offset maps) and the
unredacted originals (not kept, or kept encrypted, every read audited)."""
