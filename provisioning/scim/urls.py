from django.urls import re_path

from provisioning.scim import discovery, views

app_name = "scim"

# Resource ids are opaque strings; the pattern only excludes path separators. A trailing slash is
# tolerated because some clients add one to every URL.
urlpatterns = [
    re_path(r"^Users/?$", views.UsersView.as_view(), name="users"),
    re_path(r"^Users/\.search/?$", views.UsersSearchView.as_view(), name="users-search"),
    re_path(r"^Users/(?P<public_id>[^/]+)/?$", views.UserDetailView.as_view(), name="user-detail"),
    re_path(
        r"^ServiceProviderConfig/?$",
        discovery.ServiceProviderConfigView.as_view(),
        name="service-provider-config",
    ),
    re_path(r"^ResourceTypes/?$", discovery.ResourceTypesView.as_view(), name="resource-types"),
    re_path(
        r"^ResourceTypes/(?P<resource_type_id>[^/]+)/?$",
        discovery.ResourceTypeView.as_view(),
        name="resource-type",
    ),
    re_path(r"^Schemas/?$", discovery.SchemasView.as_view(), name="schemas"),
    re_path(r"^Schemas/(?P<schema_id>[^/]+)/?$", discovery.SchemaView.as_view(), name="schema"),
    re_path(r"^Groups/?$", views.GroupsView.as_view(), name="groups"),
    re_path(r"^Groups/\.search/?$", views.GroupsSearchView.as_view(), name="groups-search"),
    re_path(
        r"^Groups/(?P<public_id>[^/]+)/?$", views.GroupDetailView.as_view(), name="group-detail"
    ),
    re_path(r"^\.search/?$", views.root_search, name="root-search"),
    re_path(r"^.*$", views.unknown_endpoint, name="unknown"),
]
