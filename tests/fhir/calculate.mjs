// Evaluates every SDC calculatedExpression of a FHIR R4 Questionnaire with fhirpath.js (the
// FHIRPath engine LHC-Forms uses), against sample answers, so steg's tests can compare the
// results with steg's own scoring (steg_bundle::forms).
//
// Usage: node tests/fhir/calculate.mjs QUESTIONNAIRE.json ANSWERS.json
// ANSWERS maps a question's linkId to its answer as steg stores it: a string (text, date,
// time, a single choice's value), a list of values (multiple choice), true/false, a number.
// Prints one JSON object: linkId → the expression's result (a list, as FHIRPath returns).
// Exit codes: 0 done, 1 an expression failed, 2 wrong usage or fhirpath not installed.

import { readFileSync } from "node:fs";

let fhirpath, r4;
try {
  fhirpath = (await import("fhirpath")).default;
  r4 = (await import("fhirpath/fhir-context/r4/index.js")).default;
} catch (e) {
  console.error(`fhirpath is not installed (${e.message}); run: npm ci --prefix tests/fhir`);
  process.exit(2);
}
const [qPath, aPath] = process.argv.slice(2);
if (!qPath || !aPath) {
  console.error("usage: node calculate.mjs QUESTIONNAIRE.json ANSWERS.json");
  process.exit(2);
}
const q = JSON.parse(readFileSync(qPath, "utf8"));
const answers = JSON.parse(readFileSync(aPath, "utf8"));

// The answer(s) of one item, typed as the item is.
function answerOf(item, value) {
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => {
    switch (item.type) {
      case "choice": {
        const o = item.answerOption.find((o) => o.valueCoding.code === String(v));
        return { valueCoding: { system: o.valueCoding.system, code: o.valueCoding.code } };
      }
      case "boolean": return { valueBoolean: v };
      case "integer": return { valueInteger: v };
      case "decimal": return { valueDecimal: v };
      case "date": return { valueDate: v };
      case "time": return { valueTime: v.length === 5 ? `${v}:00` : v };
      default: return { valueString: String(v) };
    }
  });
}

// The QuestionnaireResponse items for `items`: groups always, questions when answered.
function responseItems(items) {
  const out = [];
  for (const item of items || []) {
    if (item.type === "display") continue;
    const r = { linkId: item.linkId };
    if (item.type === "group") {
      r.item = responseItems(item.item);
    } else if (item.linkId in answers) {
      r.answer = answerOf(item, answers[item.linkId]);
    } else {
      continue;
    }
    out.push(r);
  }
  return out;
}

const qr = {
  resourceType: "QuestionnaireResponse",
  status: "completed",
  questionnaire: q.url,
  item: responseItems(q.item),
};

const results = {};
function walk(items) {
  for (const item of items || []) {
    for (const ext of item.extension || []) {
      if (!ext.url.endsWith("sdc-questionnaire-calculatedExpression")) continue;
      const expr = ext.valueExpression.expression;
      try {
        results[item.linkId] = fhirpath.evaluate(qr, expr, { resource: qr, questionnaire: q }, r4);
      } catch (e) {
        console.error(`${item.linkId}: ${expr}: ${e.message}`);
        process.exit(1);
      }
    }
    walk(item.item);
  }
}
walk(q.item);
console.log(JSON.stringify(results));
