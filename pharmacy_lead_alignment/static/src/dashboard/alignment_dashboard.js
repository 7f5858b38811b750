import {Component, onWillStart, useRef, useState} from "@odoo/owl";
import {Domain} from "@web/core/domain";
import {_t} from "@web/core/l10n/translation";
import {deserializeDate, formatDate} from "@web/core/l10n/dates";
import {registry} from "@web/core/registry";
import {useService} from "@web/core/utils/hooks";
import {nbsp} from "@web/core/utils/strings";
import {useSetupAction} from "@web/search/action_hook";
import {Layout} from "@web/search/layout";
import {formatFloat, formatInteger} from "@web/views/fields/formatters";
import {standardActionServiceProps} from "@web/webclient/actions/action_service";

const PERIODS = ["month", "last_month", "quarter", "year"];
const FUNNEL_SOURCES = ["all", "marketing", "sales"];
const EMPTY = "—";

function isMissing(value) {
    return value === null || value === undefined || value === false;
}

/**
 * Alignment Dashboard: one screen for the head of the pharmacy showing how
 * marketing and sales work together (funnel, SLAs, rejections, campaign ROI,
 * process map acknowledgement). Every figure opens the records behind it.
 */
export class AlignmentDashboard extends Component {
    static template = "pharmacy_lead_alignment.AlignmentDashboard";
    static components = {Layout};
    static props = {...standardActionServiceProps};

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.rootRef = useRef("root");
        this.env.config.setDisplayName(
            this.props.action?.name || _t("Alignment Dashboard")
        );

        // Restore the period and funnel source when coming back through the
        // breadcrumbs after opening the records behind a figure.
        const pastState = this.props.state || {};
        this.state = useState({
            // null: the server picks this month, or the last one while this
            // month has no data yet
            period: PERIODS.includes(pastState.period) ? pastState.period : null,
            source: FUNNEL_SOURCES.includes(pastState.source)
                ? pastState.source
                : "all",
            teamId: Number.isInteger(pastState.teamId) ? pastState.teamId : false,
            data: {},
            loading: false,
        });
        this.requestId = 0;

        useSetupAction({
            rootRef: this.rootRef,
            getLocalState: () => ({
                period: this.state.period,
                source: this.state.source,
                teamId: this.state.teamId,
            }),
        });

        onWillStart(() => this.load());
    }

    // -------------------------------------------------------------------------
    // Data
    // -------------------------------------------------------------------------

    async load() {
        const requestId = ++this.requestId;
        this.state.loading = true;
        try {
            const data = await this.orm.call(
                "pharmacy.alignment.dashboard",
                "get_dashboard_data",
                [this.state.period, this.state.teamId]
            );
            // Ignore the answer of a request overtaken by a newer one.
            if (requestId === this.requestId) {
                this.state.data = data || {};
                this.state.period = data?.period?.key || this.state.period;
            }
        } finally {
            if (requestId === this.requestId) {
                this.state.loading = false;
            }
        }
    }

    async onPeriodChange(period) {
        if (period === this.state.period) {
            return;
        }
        this.state.period = period;
        await this.load();
    }

    async onTeamChange(ev) {
        const teamId = parseInt(ev.target.value, 10);
        this.state.teamId = Number.isInteger(teamId) ? teamId : false;
        await this.load();
    }

    onSourceChange(source) {
        this.state.source = source;
    }

    // -------------------------------------------------------------------------
    // Getters
    // -------------------------------------------------------------------------

    get data() {
        return this.state.data;
    }

    get teams() {
        return this.data.teams || [];
    }

    get periodRange() {
        const period = this.data.period;
        if (!period?.date_from || !period?.date_to) {
            return "";
        }
        const dateFrom = formatDate(deserializeDate(period.date_from));
        const dateTo = formatDate(deserializeDate(period.date_to));
        return `${dateFrom} – ${dateTo}`;
    }

    get funnelStages() {
        return this.data.funnel?.[this.state.source] || [];
    }

    get funnelMax() {
        return Math.max(0, ...this.funnelStages.map((stage) => stage.count || 0));
    }

    get velocity() {
        return this.data.velocity || [];
    }

    get rejections() {
        return this.data.rejections || [];
    }

    get rejectionMax() {
        return Math.max(0, ...this.rejections.map((rejection) => rejection.count || 0));
    }

    get salesSla() {
        return this.data.sla?.sales || null;
    }

    get marketingSla() {
        return this.data.sla?.marketing || null;
    }

    get showRoi() {
        return Array.isArray(this.data.roi);
    }

    get acknowledgement() {
        return this.data.acknowledgement || null;
    }

    // -------------------------------------------------------------------------
    // Formatting
    // -------------------------------------------------------------------------

    formatCount(value) {
        return isMissing(value) ? EMPTY : formatInteger(value);
    }

    formatPercent(value) {
        if (isMissing(value)) {
            return EMPTY;
        }
        return `${formatFloat(value, {digits: [false, 1]})}%`;
    }

    formatHours(value) {
        if (isMissing(value)) {
            return EMPTY;
        }
        return _t("%s h", formatFloat(value, {digits: [false, 1]}));
    }

    formatMoney(value) {
        if (isMissing(value)) {
            return EMPTY;
        }
        const currency = this.data.currency || {};
        const digits = isMissing(currency.digits) ? 2 : currency.digits;
        const amount = formatFloat(value, {digits: [false, digits]});
        if (!currency.symbol) {
            return amount;
        }
        return currency.position === "before"
            ? `${currency.symbol}${nbsp}${amount}`
            : `${amount}${nbsp}${currency.symbol}`;
    }

    /**
     * @param {number|null} value
     * @param {number|null} total
     * @returns {number} a width in percent, between 0 and 100
     */
    ratio(value, total) {
        if (!value || !total || total <= 0) {
            return 0;
        }
        return Math.min(100, Math.max(0, (value / total) * 100));
    }

    // -------------------------------------------------------------------------
    // Navigation
    // -------------------------------------------------------------------------

    /**
     * Open the records behind a figure.
     *
     * @param {Object} item an object of the payload with res_model and domain
     * @param {string} name the title of the opened action
     * @param {Array} [extraDomain] narrows the item's domain
     */
    openRecords(item, name, extraDomain = null) {
        if (!item?.res_model) {
            return;
        }
        let domain = item.domain || [];
        if (extraDomain) {
            domain = Domain.and([domain, extraDomain]).toList();
        }
        // the list first: it has as many rows as the figure counts
        const views = item.res_model.endsWith(".report")
            ? [
                  [false, "list"],
                  [false, "pivot"],
              ]
            : [
                  [false, "list"],
                  [false, "form"],
              ];
        return this.action.doAction({
            type: "ir.actions.act_window",
            name,
            res_model: item.res_model,
            domain,
            views,
            target: "current",
        });
    }

    openSalesSla(state = null) {
        const sla = this.salesSla;
        if (state === "met") {
            return this.openRecords(
                {...sla, domain: sla.met_domain},
                _t("Met sales SLA clocks")
            );
        }
        if (state === "breached") {
            return this.openRecords(
                {...sla, domain: sla.breached_domain},
                _t("Breached sales SLA clocks")
            );
        }
        return this.openRecords(sla, _t("Sales SLA clocks"));
    }

    openMarketingSla() {
        return this.openRecords(this.marketingSla, _t("Leads handed off"));
    }

    openDecisions() {
        const mkt = this.marketingSla;
        return this.openRecords(
            {...mkt, domain: mkt.reviewed_domain},
            _t("Sales decisions on hand-offs")
        );
    }

    openRecycledWon() {
        return this.openRecords(
            this.data.recycled_won,
            _t("Recycled leads that later won")
        );
    }

    openAcknowledgements() {
        const ack = this.acknowledgement;
        return this.openRecords(ack, _t("Acknowledgements of %s", ack?.name || ""));
    }

    openMap() {
        const ack = this.acknowledgement;
        if (!ack?.map_id) {
            return;
        }
        return this.action.doAction({
            type: "ir.actions.act_window",
            name: ack.name,
            res_model: "pharmacy.process.map",
            res_id: ack.map_id,
            views: [[false, "form"]],
            target: "current",
        });
    }
}

registry
    .category("actions")
    .add("pharmacy_lead_alignment.dashboard", AlignmentDashboard);
