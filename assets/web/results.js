// Draws the results page's charts with vega and shows a tooltip on hover or tap. No framework, no network:
// the specs are in the page, vega is served by the bot.
(function () {
  'use strict';
  var specs = JSON.parse(document.getElementById('specs').textContent);
  var tooltip = document.getElementById('tooltip');

  function show(handler, event, item, value) {
    if (value == null || value === '' || !event) {
      tooltip.hidden = true;
      return;
    }
    var lines = typeof value === 'object'
      ? Object.keys(value).map(function (k) { return k + ': ' + value[k]; })
      : [String(value)];
    tooltip.textContent = lines.join('\n');
    tooltip.hidden = false;
    var x = Math.min(event.clientX + 12, window.innerWidth - tooltip.offsetWidth - 8);
    tooltip.style.left = Math.max(8, x) + 'px';
    tooltip.style.top = (event.clientY + 12) + 'px';
  }

  document.querySelectorAll('[data-spec]').forEach(function (element) {
    var spec = specs[element.getAttribute('data-spec')];
    if (!spec) return;
    // Parsed to expression trees and run by the interpreter: the page's policy allows no eval.
    var view = new vega.View(vega.parse(spec, null, { ast: true }), { expr: vegaExpressionInterpreter, renderer: 'svg', container: element, hover: true, tooltip: show });
    view.runAsync().then(function () { element.setAttribute('data-drawn', 'true'); });
  });
})();
