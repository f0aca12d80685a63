// The wallet page: any EIP-1193 provider (window.ethereum) connects, signs the bot's EIP-4361 message, and the
// signature goes back to the bot; any CIP-30 Cardano wallet (window.cardano.*) signs the bot's CIP-8 payload with
// signData. Each outcome shows one of the page's states.
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
    button.hidden = state === 'success' || state === 'expired' || evmWallets.length !== 1;
    document.getElementById('switch').hidden = state !== 'wrong-network';
    var evm = document.getElementById('evm-wallets');
    evm.hidden = state === 'success' || state === 'expired' || evm.children.length === 0;
    document.getElementById('open-in').hidden = state !== 'no-wallet';
    button.disabled = false;
    var list = document.getElementById('cardano-wallets');
    if (list) list.hidden = state === 'success' || state === 'expired' || list.children.length === 0;
  }

  function post(step, body) {
    return fetch(base + '/' + step, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (json) { return { status: r.status, json: json }; }); });
  }

  function refused(answer) {
    show(answer.json.state === 'expired' ? 'expired' : 'error', answer.json.state === 'expired' ? '' : answer.json.error);
  }

  // EIP-6963: every injected EVM wallet announces itself when asked, so several can sit side by side; an older one
  // that only sets window.ethereum is taken as it is.
  var evmWallets = [];
  window.addEventListener('eip6963:announceProvider', function (event) {
    var detail = event.detail;
    if (!detail || !detail.info || !detail.provider || evmWallets.some(function (w) { return w.info.uuid === detail.info.uuid; })) return;
    evmWallets.push({ info: detail.info, provider: detail.provider });
  });
  window.dispatchEvent(new Event('eip6963:requestProvider'));
  if (evmWallets.length === 0 && window.ethereum && typeof window.ethereum.request === 'function') evmWallets.push({ info: { uuid: 'window.ethereum', name: 'Browser wallet', rdns: '' }, provider: window.ethereum });
  var chosen = evmWallets[0];
  var hexChain = '0x' + expected.toString(16);

  async function link(entry) {
    if (entry && entry.provider) chosen = entry;
    if (!chosen) return show('no-wallet');
    var wallet = chosen.provider;
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

  // The wallet switches networks itself when asked (EIP-3326); then the link goes on.
  async function switchNetwork() {
    try {
      await chosen.provider.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: hexChain }] });
      await link();
    } catch (error) {
      if (error && error.code === 4001) return show('rejected');
      show('wrong-network');
    }
  }

  // CIP-30: each wallet injects window.cardano.<id> with enable(); enable() gives the API that signs.
  function cardanoWallets() {
    var injected = window.cardano;
    if (!injected || typeof injected !== 'object') return [];
    return Object.keys(injected).filter(function (id) { return injected[id] && typeof injected[id].enable === 'function'; })
      .map(function (id) { return { id: id, name: String(injected[id].name || id), wallet: injected[id] }; });
  }

  async function linkCardano(entry) {
    button.disabled = true;
    try {
      var api = await entry.wallet.enable();
      // The stake (reward) address links every address of the wallet; a wallet without one signs with a used address.
      var rewards = await api.getRewardAddresses();
      var address = rewards && rewards.length ? rewards[0] : (await api.getUsedAddresses())[0];
      var answer = await post('message', { chain: 'cardano', address: address });
      if (answer.status !== 200) return refused(answer);
      messageBox.textContent = answer.json.message;
      messageBox.hidden = false;
      var signed = await api.signData(address, answer.json.payload);
      var result = await post('signature', { signature: signed.signature, key: signed.key });
      if (result.status !== 200) return refused(result);
      show('success');
    } catch (error) {
      // CIP-30: APIError -3 is a refused connection, DataSignError 3 a declined signature.
      if (error && (error.code === -3 || error.code === 3)) return show('rejected');
      show('error', 'Something went wrong: ' + (error && (error.info || error.message) ? (error.info || error.message) : String(error)));
    }
  }

  var cardanoList = document.getElementById('cardano-wallets');
  var cardano = cardanoWallets();
  cardano.forEach(function (entry) {
    var choice = document.createElement('button');
    choice.type = 'button';
    choice.setAttribute('data-wallet', entry.id);
    choice.textContent = 'Sign with ' + entry.name + ' (Cardano)';
    choice.addEventListener('click', function () { linkCardano(entry); });
    cardanoList.appendChild(choice);
  });

  var evmList = document.getElementById('evm-wallets');
  if (evmWallets.length > 1)
    evmWallets.forEach(function (entry) {
      var choice = document.createElement('button');
      choice.type = 'button';
      choice.setAttribute('data-wallet', entry.info.rdns || entry.info.uuid);
      choice.textContent = 'Sign with ' + String(entry.info.name);
      choice.addEventListener('click', function () { link(entry); });
      evmList.appendChild(choice);
    });
  document.getElementById('switch').addEventListener('click', switchNetwork);

  // Deep links open this very page inside a phone wallet's own browser, where its wallet is injected.
  var here = location.href;
  var deepLinks = {
    metamask: 'https://metamask.app.link/dapp/' + here.replace(/^https?:\/\//, ''),
    trust: 'https://link.trustwallet.com/open_url?coin_id=60&url=' + encodeURIComponent(here),
    coinbase: 'https://go.cb-w.com/dapp?cb_url=' + encodeURIComponent(here),
  };
  Object.keys(deepLinks).forEach(function (id) {
    var a = document.querySelector('[data-deep-link="' + id + '"]');
    if (a) a.href = deepLinks[id];
  });

  button.addEventListener('click', function () { link(); });
  show(main.getAttribute('data-initial'));
  if (main.getAttribute('data-initial') === 'ready' && evmWallets.length === 0 && cardano.length === 0) show('no-wallet');
})();
