import {_t} from "@web/core/l10n/translation";
import {registry} from "@web/core/registry";
import {FloatField, floatField} from "@web/views/fields/float/float_field";

/**
 * The upper bound of a tariff bracket: 0 means the bracket is open-ended, so it
 * reads "and above" (or its placeholder) instead of "0.00".
 */
export class OpenBoundField extends FloatField {
    static template = "membership_dues.OpenBoundField";
    static props = {
        ...FloatField.props,
        placeholder: {type: String, optional: true},
    };

    get openLabel() {
        return this.props.placeholder || _t("and above");
    }

    get formattedValue() {
        if (!this.value) {
            return this.props.readonly ? this.openLabel : "";
        }
        return super.formattedValue;
    }
}

export const openBoundField = {
    ...floatField,
    component: OpenBoundField,
    displayName: _t("Upper bound (empty: and above)"),
    extractProps: (fieldInfo, dynamicInfo) => ({
        ...floatField.extractProps(fieldInfo, dynamicInfo),
        placeholder: fieldInfo.placeholder,
    }),
};

registry.category("fields").add("membership_dues_open_bound", openBoundField);
