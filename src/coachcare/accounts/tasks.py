"""Background tasks of accounts (django.tasks)."""

from django.tasks import task

from coachcare.accounts import services


@task()
def password_reset_send_task(user_id: int) -> int:
    """The password reset e-mail, sent outside the request (the answer never shows whether an
    address has an account, not even by how long it takes)."""
    return services.password_reset_send(user_id=user_id)
