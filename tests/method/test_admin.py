import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from coachcare.method.models import Lesson, MethodVersion, Module
from tests.accounts.factories import UserFactory
from tests.method.factories import ModuleFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [MethodVersion, Module])
def test_catalogue_is_read_only_in_the_admin(model: type) -> None:
    module = ModuleFactory.create()
    request = RequestFactory().get("/")
    request.user = UserFactory.create(is_superuser=True, is_staff=True)
    model_admin = site._registry[model]
    obj = module if model is Module else module.method_version

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)
    assert model_admin.has_view_permission(request, obj)
    for inline in model_admin.get_inline_instances(request, obj):
        assert not inline.has_add_permission(request, obj)
        assert not inline.has_change_permission(request, obj)
        assert not inline.has_delete_permission(request, obj)
    assert Lesson.objects.count() == 0
