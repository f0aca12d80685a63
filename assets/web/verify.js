// The wallet page: any EIP-1193 provider (window.ethereum) connects, signs the bot's EIP-4361 message, and the
// signature goes back to the bot. Each outcome shows one of the page's states.
(function () {
  'use strict';
  var main = document.querySelector('main');
  var button = document.getElementById('connect');
  var messageBox = document.getElementById('message');
  var expected = Number(main.getAttribute('data-chain-id'));
  var base = location.pathname.replace(/\/$/, '');

  function show(state, text) {
    document.querySelectorAll('[data-state]').forEach(function (p) { p.hidden = p.getAttribute('data-state') !== state; });
    if (text) document.querySelector('[data-state="' + state + '"]').textContent = text;
    main.setAttribute('data-current', state);
    button.hidden = state === 'success' || state === 'expired';
    button.disabled = false;
  }

  function post(step, body) {
    return fetch(base + '/' + step, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (json) { return { status: r.status, json: json }; }); });
  }

  function refused(answer) {
    show(answer.json.state === 'expired' ? 'expired' : 'error', answer.json.state === 'expired' ? '' : answer.json.error);
  }

  async function link() {
    var wallet = window.ethereum;
    if (!wallet || typeof wallet.request !== 'function') return show('no-wallet');
    button.disabled = true;
    try {
      var accounts = await wallet.request({ method: 'eth_requestAccounts' });
      var chainId = parseInt(await wallet.request({ method: 'eth_chainId' }), 16);
      if (chainId !== expected) return show('wrong-network');
      var address = accounts[0];
      var answer = await post('message', { address: address });
      if (answer.status !== 200) return refused(answer);
      messageBox.textContent = answer.json.message;
      messageBox.hidden = false;
      var utf8 = new TextEncoder().encode(answer.json.message);
      var hex = '0x' + Array.prototype.map.call(utf8, function (b) { return b.toString(16).padStart(2, '0'); }).join('');
      var signature = await wallet.request({ method: 'personal_sign', params: [hex, address] });
      var result = await post('signature', { signature: signature });
      if (result.status !== 200) return refused(result);
      show('success');
    } catch (error) {
      // EIP-1193: 4001 is the user saying no.
      if (error && error.code === 4001) return show('rejected');
      show('error', 'Something went wrong: ' + (error && error.message ? error.message : String(error)));
    }
  }

  button.addEventListener('click', link);
  show(main.getAttribute('data-initial'));
  if (main.getAttribute('data-initial') === 'ready' && !window.ethereum) show('no-wallet');
})();
