from django_otp.plugins.otp_totp.models import TOTPDevice

from coachcare.accounts.models import User


def totp_device_confirmed(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()
