/* The gate's rules for the offline screen: a faithful port of shequ/gates/rules.py.
 *
 * decide() must give the same decision and the same reason codes, in the same order, as
 * rules.decide() in Python; tests/gates/test_screen_rules_js.py runs one table of cases through both
 * (this file in Chromium). Change one, change the other, and extend that table.
 *
 * Temperatures are compared as whole thousandths of a degree (integers), so 37.3 is 37300 and no
 * binary fraction can make 37.3 look like 37.29999.
 */
(function (root) {
  "use strict";

  var FEVER_AT = "37.3";
  var TEMPERATURE_MIN = "34.0";
  var TEMPERATURE_MAX = "42.0";

  function milli(value) {
    return Math.round(Number(value) * 1000);
  }

  var ALERTING = ["fever", "code_yellow", "code_red", "movement_restricted", "area_sealed"];

  /* checks: {direction: "in"|"out", temperature: number|string|null, health_code, mask: bool}
   * standing: {identity_problem, visitor, gate_closed, restricted, level, quota_left, permit}
   * A permit in force (standing.permit, truthy) lifts the containment reasons and nothing else;
   * the verdict's permit says it did. */
  function decide(checks, standing) {
    var reasons = [];
    standing = standing || {};
    if (standing.identity_problem) reasons.push(standing.identity_problem);
    if (standing.gate_closed) reasons.push("gate_closed");
    if (!checks.mask) reasons.push("no_mask");
    var entering = checks.direction === "in";
    if (checks.temperature === null || checks.temperature === undefined || checks.temperature === "") {
      if (entering) reasons.push("temperature_missing");
    } else if (milli(checks.temperature) >= milli(FEVER_AT)) {
      reasons.push("fever");
    }
    if (checks.health_code === "yellow") reasons.push("code_yellow");
    else if (checks.health_code === "red") reasons.push("code_red");
    var contained = [];
    if (standing.visitor) {
      if (entering && standing.level === "sealed") contained.push("host_sealed");
    } else if (!entering && !standing.identity_problem) {
      if (standing.restricted) contained.push("movement_restricted");
      if (standing.level === "sealed") contained.push("area_sealed");
      if (standing.quota_left !== null && standing.quota_left !== undefined && standing.quota_left <= 0) {
        contained.push("exit_quota_used");
      }
    }
    var permitted = contained.length > 0 && !!standing.permit;
    if (!permitted) reasons = reasons.concat(contained);
    return {
      decision: reasons.length ? "deny" : "allow",
      reasons: reasons,
      alert: reasons.some(function (r) { return ALERTING.indexOf(r) >= 0; }),
      permit: permitted
    };
  }

  /* Python's Decimal reads full-width digits; so does this (NFKC, like core.text.normalize). */
  function normalize(raw) {
    var text = raw === null || raw === undefined ? "" : String(raw);
    if (text.normalize) text = text.normalize("NFKC");
    return text.replace(/\uff0c/g, ",").replace(/\u3002/g, ".").trim();
  }

  /* A decimal string with at most 3 decimals -> integer hundred-thousandths (1e-5 degrees), so that
   * dividing by 10 stays an integer. null when it is not such a number. */
  function toUnits(text) {
    var m = /^([0-9]{1,4})(?:[.,]([0-9]{1,3}))?$/.exec(text);
    if (!m) return null;
    var decimals = m[2] || "";
    return Number(m[1]) * 100000 + (decimals ? Number((decimals + "00000").slice(0, 5)) : 0);
  }

  /* Round hundred-thousandths to tenths, half to even (Decimal.quantize's default). */
  function tenthsHalfEven(units) {
    var q = Math.floor(units / 10000);
    var r = units - q * 10000;
    if (r > 5000 || (r === 5000 && q % 2 === 1)) q += 1;
    return q;
  }

  function formatTenths(tenths) {
    return Math.floor(tenths / 10) + "." + (tenths % 10);
  }

  /* rules.suggest_temperature: "36.5", "365", "3.65" and "36,5" all mean 36.5; null when nothing in
   * 34.0-42.0 reads out of it. Returns the suggestion as a string ("36.5"). */
  function suggestTemperature(raw) {
    var units = toUnits(normalize(raw));
    if (units === null) return null;
    var candidates = [units, units / 10, units * 10];
    var low = milli(TEMPERATURE_MIN) / 100;
    var high = milli(TEMPERATURE_MAX) / 100;
    for (var i = 0; i < candidates.length; i++) {
      var tenths = tenthsHalfEven(candidates[i]);
      if (tenths >= low && tenths <= high) return formatTenths(tenths);
    }
    return null;
  }

  /* What the screen's form and services.parse_checks accept: an empty field (no temperature), or a
   * number that rounds to 34.0-42.0 (core/temperature.py says why). Otherwise an error, with the suggestion when there is one.
   * -> {value: "36.5"|null, error: null|"range"|"suggest", suggestion: "36.5"|null} */
  function parseTemperature(raw) {
    var text = normalize(raw);
    if (!text) return { value: null, error: null, suggestion: null };
    if (!/^[0-9]{1,4}([.,][0-9]{0,3})?$|^[.,][0-9]{1,3}$/.test(text)) {
      return { value: null, error: "range", suggestion: null };
    }
    var units = text.indexOf(",") < 0 ? toUnits(text.replace(/\.$/, "").replace(/^\./, "0.")) : null;
    if (units !== null) {
      var tenths = tenthsHalfEven(units);
      if (tenths >= milli(TEMPERATURE_MIN) / 100 && tenths <= milli(TEMPERATURE_MAX) / 100) {
        return { value: formatTenths(tenths), error: null, suggestion: null };
      }
    }
    var suggestion = suggestTemperature(text);
    return { value: null, error: suggestion ? "suggest" : "range", suggestion: suggestion };
  }

  /* passes.looks_like_token */
  function looksLikeToken(text) {
    text = normalize(text);
    return text.indexOf(":") >= 0 && text.length >= 20;
  }

  var PASS_CODE_LENGTH = 16;
  var TOKEN_AT_END = new RegExp("([A-Za-z0-9_-]{" + PASS_CODE_LENGTH + "}:[A-Za-z0-9_-]{20,})$");

  /* passes.split_scan: a token typed after other text in one field (a temperature typed first)
   * -> {before: "36.7", token: "<code>:<signature>"}; null when the text does not end with a token. */
  function splitScan(text) {
    var found = TOKEN_AT_END.exec(text);
    return found ? { before: text.slice(0, found.index), token: found[1] } : null;
  }

  /* The permit of a person in the bundle that is in force at ``at`` (ms since the epoch, on the
   * server's clock): bundle.permits lists each person's approved permits that were not over when
   * the bundle was built, already limited to those covering their home. */
  function permitAt(bundle, personId, at) {
    var permits = (bundle.permits || {})[String(personId)] || [];
    for (var i = 0; i < permits.length; i++) {
      if (Date.parse(permits[i].starts_at) <= at && at < Date.parse(permits[i].ends_at)) return permits[i];
    }
    return null;
  }

  /* The standing of a subject from the offline bundle (gates/offline.py), like services.standing_of:
   * subject {token} (a scanned pass) or {personId} (picked in the lookup). exitsQueued: allowed
   * exits of the subject's household this screen has queued since the bundle was built. at: the
   * moment of the passage (ms, server's clock), for permits.
   * -> {standing, person, household, permit} */
  function localStanding(bundle, subject, direction, exitsQueued, at) {
    var closed = !!(bundle.gate && bundle.gate.closed);
    var person = null;
    for (var i = 0; i < bundle.persons.length; i++) {
      var p = bundle.persons[i];
      if ((subject.token && p.token === normalize(subject.token)) ||
          (subject.personId && String(p.id) === String(subject.personId))) {
        person = p;
        break;
      }
    }
    if (!person) {
      // A pass that is not on this gate's list: revoked, another compound's, or not genuine.
      return { standing: { identity_problem: subject.token ? "pass_invalid" : "unknown_person", gate_closed: closed },
               person: null, household: null, permit: null };
    }
    var household = bundle.households[String(person.household)] || {};
    var quotaLeft = null;
    if (direction === "out" && household.quota_left !== null && household.quota_left !== undefined) {
      quotaLeft = household.quota_left - (exitsQueued || 0);
    }
    var permit = at === undefined || at === null ? null : permitAt(bundle, person.id, at);
    return {
      standing: { identity_problem: null, visitor: false, gate_closed: closed, restricted: !!person.restricted,
                  level: household.level || null, quota_left: quotaLeft, permit: permit ? permit.id : null },
      person: person,
      household: household,
      permit: permit
    };
  }

  root.ShequRules = {
    FEVER_AT: FEVER_AT, TEMPERATURE_MIN: TEMPERATURE_MIN, TEMPERATURE_MAX: TEMPERATURE_MAX,
    decide: decide, suggestTemperature: suggestTemperature, parseTemperature: parseTemperature,
    looksLikeToken: looksLikeToken, splitScan: splitScan, localStanding: localStanding, normalize: normalize
  };
})(typeof window !== "undefined" ? window : globalThis);
