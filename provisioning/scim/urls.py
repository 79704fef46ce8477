from django.urls import re_path

from provisioning.scim import views

app_name = "scim"

# Resource ids are opaque strings; the pattern only excludes path separators. A trailing slash is
# tolerated because some clients add one to every URL.
urlpatterns = [
    re_path(r"^Users/?$", views.UsersView.as_view(), name="users"),
    re_path(r"^Users/\.search/?$", views.UsersSearchView.as_view(), name="users-search"),
    re_path(r"^Users/(?P<public_id>[^/]+)/?$", views.UserDetailView.as_view(), name="user-detail"),
    re_path(r"^.*$", views.unknown_endpoint, name="unknown"),
]
