import {_t} from "@web/core/l10n/translation";
import {registry} from "@web/core/registry";
import {MonetaryField, monetaryField} from "@web/views/fields/monetary/monetary_field";

/**
 * An optional limit in money (a tariff component's minimum or maximum, a
 * version's floor or ceiling): 0 means there is none, so it reads "none" (or
 * its placeholder) instead of "0.00", and is typed over an empty input.
 */
export class NoLimitField extends MonetaryField {
    static template = "membership_dues.NoLimitField";
    static props = {
        ...MonetaryField.props,
        placeholder: {type: String, optional: true},
    };

    get noneLabel() {
        return this.props.placeholder || _t("none");
    }

    get currency() {
        // no currency symbol next to the placeholder of an empty input
        return this.value || this.state.value ? super.currency : null;
    }

    get formattedValue() {
        if (!this.value) {
            return this.props.readonly ? this.noneLabel : "";
        }
        return super.formattedValue;
    }
}

export const noLimitField = {
    ...monetaryField,
    component: NoLimitField,
    displayName: _t("Optional limit (empty: none)"),
    extractProps: (fieldInfo, dynamicInfo) => ({
        ...monetaryField.extractProps(fieldInfo, dynamicInfo),
        placeholder: fieldInfo.placeholder,
    }),
};

registry.category("fields").add("membership_dues_no_limit", noLimitField);
