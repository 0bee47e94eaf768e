// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Funds, IMilestoneEscrow} from "./IMilestoneEscrow.sol";
import {ProjectRegistry} from "./ProjectRegistry.sol";

/// @title MilestoneEscrowFunds
/// @notice The money side of the milestone escrow: deposits, termination refunds, arbiter fees.
/// Every payment is pulled by its beneficiary, one per call, with checks-effects-interactions.
/// @dev Refund rule: once the project is terminated and every released milestone is swept or
/// rejected, the first refund fixes pool = available. Each funder then gets, once,
/// floor(pool * deposited_by_funder / total_deposited). The rounding leaves at most
/// (funders - 1) wei in the contract, reported by {dust}.
abstract contract MilestoneEscrowFunds is IMilestoneEscrow, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    ProjectRegistry internal immutable _registry;

    mapping(uint256 projectId => Funds) internal _funds;
    mapping(uint256 projectId => mapping(address funder => uint256)) private _deposits;
    mapping(uint256 projectId => mapping(address funder => bool)) private _refunded;
    mapping(uint256 projectId => mapping(address arbiter => uint256)) internal _fees;

    constructor(ProjectRegistry registry_) {
        _registry = registry_;
    }

    // ------------------------------------------------------------------ writes

    /// @notice Deposit ETH into a project whose asset is native ETH.
    function deposit(uint256 projectId) external payable {
        _checkDeposit(projectId, msg.value, false);
        _credit(projectId, msg.sender, msg.value);
    }

    /// @notice Deposit `amount` of the project's ERC-20 (approve the escrow first). The amount
    /// credited is what the escrow actually received.
    function depositToken(uint256 projectId, uint256 amount) external nonReentrant {
        IERC20 token = IERC20(_checkDeposit(projectId, amount, true));
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received == 0) revert MilestoneEscrowZeroAmount(projectId);
        _credit(projectId, msg.sender, received);
    }

    /// @notice Refund the caller's share of a terminated project's pool (once per funder).
    function refund(uint256 projectId) external nonReentrant {
        if (!_registry.isTerminated(projectId)) revert MilestoneEscrowNotTerminated(projectId);
        Funds storage funds = _funds[projectId];
        if (funds.openMilestones != 0) revert MilestoneEscrowMilestonesOutstanding(projectId, funds.openMilestones);
        uint256 deposited = _deposits[projectId][msg.sender];
        if (deposited == 0) revert MilestoneEscrowNotFunder(projectId, msg.sender);
        if (_refunded[projectId][msg.sender]) revert MilestoneEscrowAlreadyRefunded(projectId, msg.sender);
        if (!funds.refundsOpened) {
            funds.refundsOpened = true;
            funds.refundPool = funds.available;
            funds.available = 0;
            emit RefundsOpened(projectId, funds.refundPool);
        }
        uint256 share = (funds.refundPool * deposited) / funds.deposited;
        _refunded[projectId][msg.sender] = true;
        funds.refunded += share;
        funds.refundedFunders += 1;
        emit Refunded(projectId, msg.sender, share);
        _pay(projectId, msg.sender, share);
    }

    /// @notice Withdraw the arbiter fees credited to the caller in a project.
    function withdrawFee(uint256 projectId) external nonReentrant {
        uint256 fee = _fees[projectId][msg.sender];
        if (fee == 0) revert MilestoneEscrowNoFee(projectId, msg.sender);
        Funds storage funds = _funds[projectId];
        _fees[projectId][msg.sender] = 0;
        funds.feesOwed -= fee;
        funds.feesPaid += fee;
        emit FeeWithdrawn(projectId, msg.sender, fee);
        _pay(projectId, msg.sender, fee);
    }

    // ------------------------------------------------------------------ views

    /// @notice The project's funds: deposits, pool, fees, refund state (claims are per milestone).
    function fundsOf(uint256 projectId) external view returns (Funds memory) {
        return _funds[projectId];
    }

    /// @notice What the project can still allocate to a milestone or a fee.
    function available(uint256 projectId) external view returns (uint256) {
        return _funds[projectId].available;
    }

    /// @notice What `funder` deposited into the project.
    function depositOf(uint256 projectId, address funder) external view returns (uint256) {
        return _deposits[projectId][funder];
    }

    /// @notice Whether `funder` was refunded.
    function isRefunded(uint256 projectId, address funder) external view returns (bool) {
        return _refunded[projectId][funder];
    }

    /// @notice Arbiter fees credited to `arbiter` in the project and not yet withdrawn.
    function feeOf(uint256 projectId, address arbiter) external view returns (uint256) {
        return _fees[projectId][arbiter];
    }

    /// @notice Refund rounding dust left in the contract: refundPool - refunded once every funder
    /// was refunded (at most funders - 1 wei), 0 before.
    function dust(uint256 projectId) external view returns (uint256) {
        Funds storage funds = _funds[projectId];
        if (!funds.refundsOpened || funds.refundedFunders < funds.funders) return 0;
        return funds.refundPool - funds.refunded;
    }

    // ------------------------------------------------------------------ internal

    function _checkDeposit(uint256 projectId, uint256 amount, bool erc20) private view returns (address token) {
        token = _registry.agreementOf(projectId).token;
        if ((token != address(0)) != erc20) revert MilestoneEscrowWrongAsset(projectId, token);
        if (amount == 0) revert MilestoneEscrowZeroAmount(projectId);
        if (_registry.isTerminated(projectId)) revert MilestoneEscrowProjectTerminated(projectId);
    }

    function _credit(uint256 projectId, address funder, uint256 amount) private {
        Funds storage funds = _funds[projectId];
        if (_deposits[projectId][funder] == 0) funds.funders += 1;
        _deposits[projectId][funder] += amount;
        funds.deposited += amount;
        funds.available += amount;
        emit Deposited(projectId, funder, amount);
    }

    /// @dev Send `amount` of the project's asset to `to`. Callers have updated their state first.
    function _pay(uint256 projectId, address to, uint256 amount) internal {
        if (amount == 0) return;
        _send(_registry.agreementOf(projectId).token, to, amount);
    }

    /// @dev Send `amount` of `token` (address(0): ETH) to `to`. Callers have updated their state first.
    function _send(address token, address to, uint256 amount) internal {
        if (amount == 0) return;
        if (token == address(0)) Address.sendValue(payable(to), amount);
        else IERC20(token).safeTransfer(to, amount);
    }
}
