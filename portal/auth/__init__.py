"""Authentication, kept behind one package so a MitID/OIDC broker can be added beside the password login."""
from portal.auth.decorators import role_required  # noqa: F401
from portal.auth.passwords import hash_password, verify_password  # noqa: F401
