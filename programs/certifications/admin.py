"""Admin views of certifications (changed through the services, so read-only here) and the
certification definitions, which administrators edit here or on the manager portal's page; both go
through programs.certifications.services, so the admin's form shows the same field errors."""

from django import forms
from django.contrib import admin, messages

from prm.errors import FieldErrors
from programs.certifications import services
from programs.certifications.models import Certification, CertificationDefinition
from programs.strategies.admin import ReadOnly


@admin.register(Certification)
class CertificationAdmin(ReadOnly):
    list_display = ["definition", "contact", "partner", "state", "earned_on", "expires_on"]
    list_filter = ["state", "definition__vertical"]
    search_fields = ["contact__name", "definition__name"]
    raw_id_fields = ["partner", "contact"]


class DefinitionAdminForm(forms.ModelForm):
    class Meta:
        model = CertificationDefinition
        fields = ["name", "vertical", "validity_months", "description", "is_active"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if CertificationDefinition.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("A certification with this name exists already.")
        return name


@admin.register(CertificationDefinition)
class CertificationDefinitionAdmin(admin.ModelAdmin):
    form = DefinitionAdminForm
    list_display = ["name", "vertical", "validity_months", "is_active"]
    list_filter = ["vertical", "is_active"]
    search_fields = ["name"]
    fields = ["name", "vertical", "validity_months", "description", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return False  # certifications earned under it keep it; retire it with is_active instead

    def save_model(self, request, obj, form, change):
        values = {field: form.cleaned_data[field] for field in self.fields}
        try:
            if change:
                changed = {field: values[field] for field in form.changed_data if field in values}
                saved = services.definition_update(definition_id=obj.pk, actor=request.user, **changed)
            else:
                saved = services.definition_create(actor=request.user, **values)
        except FieldErrors as exc:  # the form checked the same already: only a concurrent change gets here
            messages.error(request, "Not saved: " + "; ".join(" ".join(v) for v in exc.errors.values()))
            return
        obj.pk = saved.pk
