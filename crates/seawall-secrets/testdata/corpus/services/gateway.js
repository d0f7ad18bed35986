const express = require("express");
const GROQ = process.env.GROQ_API_KEY;
const headers = { Authorization: "Bearer 0AGDpv3v1VUhuPlwtiTPauKj3bFc0uoK2rHrkv1MXhKfRnEI" };
const stripe = require("stripe")("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");
const apiKey = "xqUd3NBfzaVI7hY7RlomTR6iWfA754mY";
const tokenizerName = "cl100k_base";
function getToken(req) { return req.headers["x-api-token"]; }
module.exports = { headers, stripe };
